package report_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/web/report"
	"github.com/backcoach/backcoach/web/report/reporttest"
)

var testBack = models.Back{SpineBottom: models.Point{X: 320, Y: 420}, SpineTop: models.Point{X: 320, Y: 90}, HalfWidth: 130}

// syntheticReport is a 24 s session: two hands circling up the back in
// 4 s strokes, 6 strokes of which 4 are good, with feedback.
func syntheticReport() *models.Report {
	const fps = 30.0
	rep := &models.Report{
		Source:  models.Source{Path: "/videos/evening <session>.mp4", FPS: fps, Frames: 720, Width: 640, Height: 480},
		Routine: "back-basic",
		Back:    testBack,
	}
	for i := 0; i < 720; i++ {
		t := float64(i) / fps
		fr := models.ReportFrame{I: i, T: t, Hands: []models.ReportPoint{}}
		phase := math.Mod(t, 4) / 4
		if phase < 0.9 { // hands lift off between strokes
			for _, side := range []float64{-0.4, 0.5} {
				u := side + 0.07*math.Cos(t*5)
				v := 0.1 + 0.8*phase + 0.03*math.Sin(t*5)
				p := testBack.Point(u, v)
				fr.Hands = append(fr.Hands, models.ReportPoint{X: p.X, Y: p.Y})
			}
		}
		rep.Frames = append(rep.Frames, fr)
	}
	good := []models.Code{models.CodeGoodStroke}
	h1 := 1
	rep.Strokes = []models.Stroke{
		{Start: 0.1, End: 3.6, Hand: 0, Circles: 3, PeakSpeed: 0.30, Verdicts: good},
		{Start: 4.1, End: 7.6, Hand: 1, Circles: 3, PeakSpeed: 0.32, Verdicts: good},
		{Start: 8.1, End: 10.0, Hand: 0, Circles: 1, PeakSpeed: 0.62, Verdicts: []models.Code{models.CodeTooFast, models.CodeNoCircles}},
		{Start: 12.1, End: 15.6, Hand: 1, Circles: 4, PeakSpeed: 0.28, Verdicts: good},
		{Start: 16.1, End: 18.0, Hand: 0, Circles: 2, PeakSpeed: 0.55, Verdicts: []models.Code{models.CodeTooFast}},
		{Start: 20.1, End: 23.6, Hand: 1, Circles: 3, PeakSpeed: 0.31, Verdicts: good},
	}
	fb := func(t float64, c models.Code, hand *int) models.Feedback {
		return models.Feedback{T: t, Code: c, Message: c.Message(), Hand: hand}
	}
	rep.Feedback = []models.Feedback{
		fb(3.6, models.CodeGoodStroke, nil), fb(7.6, models.CodeGoodStroke, &h1),
		fb(9.0, models.CodeTooFast, nil), fb(10.0, models.CodeNoCircles, nil),
		fb(11.0, models.CodeLighter, nil), fb(15.6, models.CodeGoodStroke, &h1),
		fb(17.0, models.CodeTooFast, nil), fb(23.6, models.CodeGoodStroke, &h1),
	}
	rep.Summary = models.Summary{Duration: 24, Strokes: 6, GoodStrokes: 4,
		Codes:    map[models.Code]int{models.CodeTooFast: 2, models.CodeNoCircles: 1, models.CodeLighter: 1},
		Advice:   "4 of 6 strokes were good; slow down on the way up.",
		Coverage: &models.CoverageStats{LeftSeconds: 9.5, RightSeconds: 10.1},
	}
	return rep
}

// stillJPEG draws a plain back: a skin-coloured ellipse on a dark sheet.
func stillJPEG(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			dx, dy := float64(x-320)/160, float64(y-260)/200
			c := color.RGBA{70, 80, 95, 255}
			if dx*dx+dy*dy < 1 {
				c = color.RGBA{226, 188, 160, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteHTML(&buf, syntheticReport(), stillJPEG(t)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"http://", "https://", "<script", "<link", "@import", "<session>"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	for _, want := range []string{"data:image/jpeg;base64,", "4 of 6 strokes were good", "Slow down on the way up", "&lt;session&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(page, `class="stroke-row`); n != 6 {
		t.Errorf("%d stroke rows, want 6", n)
	}
}

func TestWriteHTMLOddInput(t *testing.T) {
	if err := report.WriteHTML(&bytes.Buffer{}, nil, nil); err == nil {
		t.Error("want an error for a nil report")
	}
	nan := math.NaN()
	cases := map[string]*models.Report{
		"empty":        {},
		"no back":      {Source: models.Source{FPS: 30}, Frames: []models.ReportFrame{{Hands: []models.ReportPoint{{X: 1, Y: 2}}}}},
		"nan and junk": {Back: testBack, Source: models.Source{FPS: nan, Width: -3}, Frames: []models.ReportFrame{{T: nan, Hands: []models.ReportPoint{{X: nan, Y: math.Inf(1)}}}}, Strokes: []models.Stroke{{Start: nan, End: math.Inf(1), Hand: -7}}, Feedback: []models.Feedback{{T: -5, Code: "made_up"}}, Summary: models.Summary{Duration: nan}},
		"many hands":   {Back: testBack, Strokes: []models.Stroke{{Hand: 0}, {Hand: 1}, {Hand: 2}, {Hand: 3}, {Hand: 4}, {Hand: 5}}},
	}
	for name, rep := range cases {
		var buf bytes.Buffer
		if err := report.WriteHTML(&buf, rep, []byte("not a jpeg")); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if strings.Contains(buf.String(), "NaN") {
			t.Errorf("%s: the page shows NaN", name)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.html")
	if err := report.WriteFile(path, syntheticReport(), nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("want only the report in the folder, got %d entries", len(entries))
	}
	if err := report.WriteFile(filepath.Join(dir, "missing", "r.html"), syntheticReport(), nil); err == nil {
		t.Fatal("want an error for a missing folder")
	}
}

// CheckInBrowser opens the report in headless Chromium and checks that it
// renders without errors or network requests and shows rep's counts.
func checkInBrowser(t *testing.T, path string, rep *models.Report, shot string) {
	t.Helper()
	checkInBrowserWidth(t, path, rep, shot, 1100)
}

func checkInBrowserWidth(t *testing.T, path string, rep *models.Report, shot string, width int) {
	t.Helper()
	pg, err := reporttest.Open(context.Background(), path, t.TempDir(), width)
	if errors.Is(err, reporttest.ErrNoBrowser) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if shot != "" {
		if err := os.MkdirAll(filepath.Dir(shot), 0o755); err == nil {
			os.WriteFile(shot, pg.Screenshot, 0o644)
		}
	}
	if len(pg.Errors) > 0 {
		t.Errorf("console errors: %q", pg.Errors)
	}
	if len(pg.Requests) > 0 {
		t.Errorf("the page asked for other resources: %q", pg.Requests)
	}
	s := rep.Summary
	if pg.Strokes != strconv.Itoa(s.Strokes) || pg.Good != strconv.Itoa(s.GoodStrokes) {
		t.Errorf("page shows %s strokes, %s good; summary says %d, %d", pg.Strokes, pg.Good, s.Strokes, s.GoodStrokes)
	}
	if pg.Rows != len(rep.Strokes) || pg.Bars != len(rep.Strokes) {
		t.Errorf("page has %d table rows and %d timeline bars, want %d", pg.Rows, pg.Bars, len(rep.Strokes))
	}
	if pg.Feedback != strconv.Itoa(len(rep.Feedback)) || pg.Marks != len(rep.Feedback) {
		t.Errorf("page shows %s tips and %d marks, want %d", pg.Feedback, pg.Marks, len(rep.Feedback))
	}
	if pg.ScrollWidth > width {
		t.Errorf("the page is %d px wide in a %d px window", pg.ScrollWidth, width)
	}
	t.Logf("headline %q, advice %q, %d paths, %d heat cells", pg.Headline, pg.Advice, pg.Paths, pg.Cells)
}

func TestReportInChromium(t *testing.T) {
	rep := syntheticReport()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := report.WriteFile(path, rep, stillJPEG(t)); err != nil {
		t.Fatal(err)
	}
	checkInBrowser(t, path, rep, "../../artifacts/report-synthetic.png")
	// On a phone the page fits the screen's width (the table scrolls inside).
	checkInBrowserWidth(t, path, rep, "../../artifacts/report-phone.png", 400)
}

func TestWriteSessionHTML(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "session-20261124T200000Z-abcdef.jsonl")
	lines := []string{
		`{"event":"start","wall":"2026-11-24T20:00:00Z","t":0,"data":{"source":"camera 0","demo":false,"routine":"back-basic"}}`,
		`{"event":"calibration","wall":"2026-11-24T20:00:01Z","t":1,"data":{"back":{"spine_bottom":{"x":320,"y":420},"spine_top":{"x":320,"y":90},"half_width":130}}}`,
		`{"event":"stroke","wall":"2026-11-24T20:00:06Z","t":6,"data":{"start":2,"end":6,"hand":0,"circles":3,"peak_speed":0.3,"verdicts":["good_stroke"]}}`,
		`{"event":"feedback","wall":"2026-11-24T20:00:06Z","t":6,"data":{"t":6,"code":"good_stroke","message":"Good stroke"}}`,
		`{"event":"summary","wall":"2026-11-24T20:01:00Z","t":60,"data":{"duration":60,"strokes":1,"good_strokes":1,"codes":{},"coverage":{"left_seconds":3,"right_seconds":2}}}`,
	}
	if err := os.WriteFile(logPath, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := syntheticReport()
	page, err := report.WriteSessionHTML(logPath, rep.Frames[:300], stillJPEG(t))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(page) != "session-20261124T200000Z-abcdef.html" {
		t.Errorf("page %s", page)
	}
	if st, err := os.Stat(page); err != nil {
		t.Error(err)
	} else if st.Mode().Perm() != 0o600 {
		t.Errorf("the session page (a picture of the back) must be private to its owner: %v", st.Mode())
	}
	s, err := report.ReadSession(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if s.HTML != page || s.Back == nil || len(s.Strokes) != 1 || s.Summary == nil || s.Headline() != "The stroke was good; keep that slow, circling rhythm." {
		t.Errorf("session %+v, headline %q", s, s.Headline())
	}
	want := syntheticReport()
	want.Frames, want.Strokes, want.Feedback = rep.Frames[:300], s.Strokes, s.Feedback
	want.Summary = s.Summarised()
	checkInBrowser(t, page, want, "../../artifacts/report-session.png")
}
