package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/web"
)

// writeSessionLog writes a session log the way `backcoach serve` does.
func writeSessionLog(t *testing.T, dir, id string, strokes []models.Stroke, sum *models.Summary) string {
	t.Helper()
	l, err := web.OpenSessionLog(dir, id)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(l.Write(web.EventStart, 0, map[string]any{"source": "camera 0", "demo": false, "routine": "back-basic"}))
	must(l.Write(web.EventCalibration, 1, map[string]any{"back": models.Back{SpineBottom: models.Point{X: 320, Y: 420}, SpineTop: models.Point{X: 320, Y: 90}, HalfWidth: 130}}))
	for _, st := range strokes {
		must(l.Write(web.EventStroke, st.End, st))
		code := models.CodeGoodStroke
		if !st.Good() {
			code = st.Verdicts[0]
		}
		must(l.Write(web.EventFeedback, st.End, models.Feedback{T: st.End, Code: code, Message: code.Message()}))
	}
	if sum != nil {
		must(l.Write(web.EventSummary, 60, *sum))
	}
	must(l.Close())
	return l.Path()
}

func TestSessions(t *testing.T) {
	dir := t.TempDir()
	good := []models.Code{models.CodeGoodStroke}
	fast := []models.Code{models.CodeTooFast}
	strokes := []models.Stroke{
		{Start: 2, End: 6, Circles: 3, PeakSpeed: 0.3, Verdicts: good},
		{Start: 8, End: 10, Circles: 2, PeakSpeed: 0.6, Verdicts: fast},
		{Start: 12, End: 16, Circles: 3, PeakSpeed: 0.3, Verdicts: good},
	}
	sum := models.Summary{Duration: 60, Strokes: 3, GoodStrokes: 2, Codes: map[models.Code]int{models.CodeTooFast: 1},
		Advice: "2 of 3 strokes were good; slow down on the way up."}
	writeSessionLog(t, dir, "20261124T200000Z-aaaaaa", strokes, &sum)
	// A session killed before its summary, its last line cut short.
	killed := writeSessionLog(t, dir, "20261124T210000Z-bbbbbb", strokes[:2], nil)
	f, err := os.OpenFile(killed, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"event":"stroke","wall":"2026-11-24T21:01:00Z","t":61,"da`)
	f.Close()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a session"), 0o644)

	code, out, stderr := runBC(t, "sessions", "--data", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Logf("\n%s", out)
	for _, want := range []string{"2 sessions", "2 of 3 strokes were good; slow down on the way up.",
		"1 of 2 strokes were good", "ended early", "20261124T200000Z-aaaaaa"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Index(out, "bbbbbb") > strings.Index(out, "aaaaaa") {
		t.Error("want the newest session first")
	}

	// --json for scripts.
	code, out, _ = runBC(t, "sessions", "--data", dir, "--json")
	var list []sessionJSON
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
		t.Fatalf("exit %d, output %q", code, out)
	}
	if list[1].Summary.Strokes != 3 || list[1].Summary.GoodStrokes != 2 || !list[1].Finished || list[0].Finished {
		t.Errorf("sessions: %+v", list)
	}

	// One session in detail, by id prefix.
	code, out, stderr = runBC(t, "sessions", "20261124T200000Z", "--data", dir)
	if code != 0 || !strings.Contains(out, "TOP PACE") || !strings.Contains(out, "too_fast") {
		t.Fatalf("exit %d, stderr %q, output\n%s", code, stderr, out)
	}

	// The report page of a session.
	page := filepath.Join(t.TempDir(), "s.html")
	code, _, stderr = runBC(t, "sessions", "aaaaaa", "--data", dir, "--html", page)
	if code != 2 { // not a prefix of the id
		t.Fatalf("exit %d for a bad id, want 2 (%s)", code, stderr)
	}
	code, _, stderr = runBC(t, "sessions", "20261124T2000", "--data", dir, "--html", page)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	html, _ := os.ReadFile(page)
	if !strings.Contains(string(html), "2 of 3 strokes were good") {
		t.Error("the session's page lacks its summary")
	}
	code, _, stderr = runBC(t, "sessions", "2026", "--data", dir)
	if code != 2 || !strings.Contains(stderr, "matches 2") {
		t.Errorf("ambiguous id: exit %d, %q", code, stderr)
	}

	// An empty or missing data folder is no sessions, not an error.
	code, out, _ = runBC(t, "sessions", "--data", filepath.Join(dir, "nothing-here"))
	if code != 0 || !strings.Contains(out, "No sessions yet") {
		t.Errorf("missing folder: exit %d, %q", code, out)
	}
}
