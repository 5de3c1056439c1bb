package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/web/report/reporttest"
	"gocv.io/x/gocv"
)

// Tests of the results people look at (issue 6): replay --overlay and
// --html, and the sessions command.

// resultsVideo is the testdata video the results tests replay; without it
// they render a simple one (a back and two hands circling up it) and give
// the back geometry on the command line.
const resultsVideo = "../../testdata/correct.mp4"

// renderBackVideo renders n frames of a plain back with two palms circling
// up beside the spine, and returns the replay flags that fix its geometry.
func renderBackVideo(t *testing.T, path string, n int) []string {
	t.Helper()
	w, err := gocv.VideoWriterFile(path, "avc1", 30, 640, 480, true)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer m.Close()
	back := models.Back{SpineBottom: models.Point{X: 320, Y: 420}, SpineTop: models.Point{X: 320, Y: 90}, HalfWidth: 130}
	for i := 0; i < n; i++ {
		ts := float64(i) / 30
		m.SetTo(gocv.NewScalar(95, 80, 70, 0))
		gocv.Ellipse(&m, image.Pt(320, 260), image.Pt(150, 210), 0, 0, 360, color.RGBA{225, 185, 155, 0}, -1)
		if ts > 1 { // the first second shows the bare back
			v := 0.1 + 0.8*math.Mod((ts-1)/4, 1)
			for _, side := range []float64{-0.45, 0.45} {
				p := back.Point(side+0.08*math.Cos(ts*5), v+0.03*math.Sin(ts*5))
				// An arm from the bottom edge and a palm.
				gocv.Line(&m, image.Pt(int(p.X), int(p.Y)), image.Pt(int(p.X)+int(side*60), 480), color.RGBA{170, 120, 95, 0}, 34)
				gocv.Circle(&m, image.Pt(int(p.X), int(p.Y)), 24, color.RGBA{175, 125, 100, 0}, -1)
			}
		}
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"--spine", "320,420,320,90", "--half-width", "130"}
}

// runBC runs Main in-process and returns the exit code, stdout and stderr.
func runBC(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// writePlainVideo renders n frames of an empty table top (no back in view).
func writePlainVideo(t *testing.T, path string, n int) {
	t.Helper()
	w, err := gocv.VideoWriterFile(path, "avc1", 30, 320, 240, true)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)
	defer m.Close()
	for i := 0; i < n; i++ {
		m.SetTo(gocv.NewScalar(120, 90, 60, 0))
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
}

// countFrames decodes a video with OpenCV and counts its frames.
func countFrames(t *testing.T, path string) int {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer vc.Close()
	m := gocv.NewMat()
	defer m.Close()
	n := 0
	for vc.Read(&m) && !m.Empty() {
		if n == 300 {
			gocv.IMWrite("../../artifacts/overlay-video-frame.png", m)
		}
		n++
	}
	return n
}

func TestReplayOverlayAndHTML(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll("../../artifacts", 0o755)
	video := resultsVideo
	var extra []string
	if _, err := os.Stat(video); err != nil {
		video = filepath.Join(dir, "back.mp4")
		extra = renderBackVideo(t, video, 240)
		t.Logf("no %s yet: replaying a rendered video", resultsVideo)
	}
	ov := filepath.Join(dir, "overlay.mp4")
	page := filepath.Join(dir, "report.html")
	js := filepath.Join(dir, "report.json")
	args := append([]string{"replay", video, "--overlay", ov, "--html", page, "--report", js, "--progress=false"}, extra...)
	code, _, stderr := runBC(t, args...)
	if code != 0 {
		t.Fatalf("replay exit %d: %s", code, stderr)
	}
	var rep models.Report
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}

	// The overlay video decodes and has as many frames as the input.
	in, out := countFrames(t, video), countFrames(t, ov)
	if out != in || out != rep.Source.Frames {
		t.Errorf("overlay has %d frames, input %d, report %d", out, in, rep.Source.Frames)
	}
	t.Logf("%d frames; %d strokes, %d good, %d tips", in, rep.Summary.Strokes, rep.Summary.GoodStrokes, len(rep.Feedback))

	// The page renders in Chromium without errors and shows the report's counts.
	pg, err := reporttest.Open(context.Background(), page, t.TempDir(), 1100)
	if errors.Is(err, reporttest.ErrNoBrowser) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("../../artifacts/report.png", pg.Screenshot, 0o644)
	if len(pg.Errors) > 0 {
		t.Errorf("console errors: %q", pg.Errors)
	}
	if len(pg.Requests) > 0 {
		t.Errorf("the page asked for the network: %q", pg.Requests)
	}
	s := rep.Summary
	if pg.Strokes != strconv.Itoa(s.Strokes) || pg.Good != strconv.Itoa(s.GoodStrokes) {
		t.Errorf("page shows %s strokes, %s good; the report's summary says %d, %d", pg.Strokes, pg.Good, s.Strokes, s.GoodStrokes)
	}
	if pg.Rows != len(rep.Strokes) || pg.Bars != len(rep.Strokes) || pg.Marks != len(rep.Feedback) {
		t.Errorf("page has %d rows, %d bars, %d tip marks; report has %d strokes, %d tips",
			pg.Rows, pg.Bars, pg.Marks, len(rep.Strokes), len(rep.Feedback))
	}
	if pg.Images != 1 {
		t.Errorf("page has %d images, want the still", pg.Images)
	}
	if !strings.Contains(pg.Headline, strconv.Itoa(s.Strokes)) && s.Strokes > 0 {
		t.Errorf("headline %q does not give the stroke count %d", pg.Headline, s.Strokes)
	}
	t.Logf("page: %q / %q; %d paths, %d heat cells", pg.Headline, pg.Advice, pg.Paths, pg.Cells)
}

func TestReplayResultsBadArgs(t *testing.T) {
	dir := t.TempDir()
	video := filepath.Join(dir, "in.mp4")
	writePlainVideo(t, video, 5)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"overlay folder missing", []string{"--overlay", filepath.Join(dir, "no", "o.mp4")}, "does not exist"},
		{"html folder missing", []string{"--html", filepath.Join(dir, "no", "o.html")}, "does not exist"},
		{"overlay over the input", []string{"--overlay", video}, "input video"},
		{"html to stdout", []string{"--html", "-"}, "file name"},
		{"same file twice", []string{"--overlay", filepath.Join(dir, "x"), "--html", filepath.Join(dir, "x")}, "same file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runBC(t, append([]string{"replay", video, "--progress=false"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
	// A replay that fails (no back in view) leaves no overlay behind.
	ov := filepath.Join(dir, "ov.mp4")
	if code, _, _ := runBC(t, "replay", video, "--overlay", ov, "--progress=false"); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("want only the input in the folder, got %d entries", len(entries))
	}
}
