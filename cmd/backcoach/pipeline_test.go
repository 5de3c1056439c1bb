package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/coach/coachtest"
	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"github.com/backcoach/backcoach/vision/handmodel"
	"github.com/rs/zerolog"
)

// testVideos lists testdata/*.mp4 with their ground truth.
func testVideos(t *testing.T) map[string]models.Truth {
	t.Helper()
	paths, _ := filepath.Glob("../../testdata/[^.]*.mp4")
	sort.Strings(paths)
	out := map[string]models.Truth{}
	for _, p := range paths {
		data, err := os.ReadFile(strings.TrimSuffix(p, ".mp4") + ".truth.json")
		if err != nil {
			t.Fatalf("%s has no truth: %v", p, err)
		}
		var tr models.Truth
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatal(err)
		}
		out[p] = tr
	}
	if len(out) == 0 {
		t.Fatal("no testdata videos")
	}
	return out
}

// TestCoachOnTestdataVideos replays every testdata video through the whole
// pipeline (calibration, the default tracker — hybrid, with the hand
// models —, the coach) and checks each
// truth segment: every expected code reported within it (±1.5 s), no
// forbidden code inside it, nothing at all on the idle video. It prints
// per-code precision and recall over all videos; both must be >= 0.9.
func TestCoachOnTestdataVideos(t *testing.T) {
	if testing.Short() {
		t.Skip("replays every test video")
	}
	if handmodel.FindDir("") == "" {
		t.Skip("the coach is judged through the hybrid tracker: install the hand models or set BACKCOACH_MODELS (make test does)")
	}
	var scores coachtest.Scores
	videos := testVideos(t)
	names := make([]string, 0, len(videos))
	for p := range videos {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		tr := videos[p]
		rep, err := Replay(context.Background(), ReplayJob{
			Video:   p,
			Vision:  vision.Options{Head: tr.Head},
			Routine: coach.DefaultRoutine(),
			Zones:   tr.Zones,
			Log:     zerolog.Nop(),
		})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		problems := scores.Add(&tr, rep.Feedback)
		name := filepath.Base(p)
		t.Logf("%-28s tracker %s: %d strokes, %d good, %d feedback", name, rep.Tracker, rep.Summary.Strokes, rep.Summary.GoodStrokes, len(rep.Feedback))
		if len(problems) > 0 {
			t.Errorf("%s:\n  %s\n%s", name, strings.Join(problems, "\n  "), coachtest.Describe(&tr, rep.Feedback, rep.Strokes))
		}
	}
	t.Logf("per-code figures over the testdata videos:\n%s", scores.Table())
	for _, f := range scores.Failures(0.9) {
		t.Error(f)
	}
}
