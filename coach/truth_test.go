package coach_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/coach/coachtest"
	"github.com/backcoach/backcoach/models"
)

// truthFiles lists testdata/*.truth.json, and those of the directory named
// by BACKCOACH_TRUTH_DIR (extra sessions for tuning, not committed).
func truthFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "*.truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("BACKCOACH_TRUTH_DIR"); dir != "" {
		more, err := filepath.Glob(filepath.Join(dir, "*.truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, more...)
	}
	return files
}

// noise spoils the true palm centres the way a tracker would: jitter (px),
// missed hands and dropped frames (chances).
type noise struct {
	jitter, miss, drop, ghost float64
	seed                      int64
}

// coachTruth runs the coach on the true palm centres of a session.
func coachTruth(tr *models.Truth, nz noise) ([]models.Feedback, []models.Stroke) {
	rng := rand.New(rand.NewSource(nz.seed))
	c := coach.New(nil, tr.Back)
	c.SetZones(tr.Zones)
	var fb []models.Feedback
	var st []models.Stroke
	last := 0.0
	for _, f := range tr.Frames {
		obs := models.FrameObs{Index: f.I, T: f.T}
		for _, h := range f.Hands {
			jx, jy := (rng.Float64()*2-1)*nz.jitter, (rng.Float64()*2-1)*nz.jitter
			if h.Visible && rng.Float64() >= nz.miss {
				obs.Hands = append(obs.Hands, models.Hand{ID: h.ID, X: h.X + jx, Y: h.Y + jy})
			}
		}
		if rng.Float64() < nz.ghost {
			obs.Hands = append(obs.Hands, models.Hand{ID: 9, X: rng.Float64() * float64(tr.Width), Y: rng.Float64() * float64(tr.Height)})
		}
		if rng.Float64() < nz.drop {
			continue
		}
		up := c.Observe(obs)
		fb = append(fb, up.Feedback...)
		st = append(st, up.Strokes...)
		last = f.T
	}
	up := c.Finish(last)
	return append(fb, up.Feedback...), append(st, up.Strokes...)
}

// TestTruthSessions runs the coach on the ground truth of every rendered
// test session and checks each segment: every expected code within the
// segment (±1.5 s), no forbidden code inside it. It prints per-code recall
// and precision (an event is a true positive inside a segment that expects
// its code, a false positive inside one that forbids it).
func TestTruthSessions(t *testing.T) { truthSessions(t, noise{}) }

// TestTruthSessionsNoisy is the same with the palm centres spoilt as by a
// tracker: ±6 px jitter, 8 % of hands missed, 4 % of frames dropped, a
// false hand anywhere in 2 % of frames.
func TestTruthSessionsNoisy(t *testing.T) {
	truthSessions(t, noise{jitter: 6, miss: 0.08, drop: 0.04, ghost: 0.02, seed: 11})
}

func truthSessions(t *testing.T, nz noise) {
	files := truthFiles(t)
	if len(files) == 0 {
		t.Skip("no testdata/*.truth.json yet")
	}
	var scores coachtest.Scores
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tr models.Truth
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		fb, strokes := coachTruth(&tr, nz)
		name := filepath.Base(file)
		problems := scores.Add(&tr, fb)
		switch {
		case len(problems) > 0:
			t.Errorf("%s:\n  %s\n%s", name, strings.Join(problems, "\n  "), coachtest.Describe(&tr, fb, strokes))
		case testing.Verbose():
			t.Logf("%s: ok\n%s", name, coachtest.Describe(&tr, fb, strokes))
		}
	}
	t.Logf("per-code figures over the truth sessions:\n%s", scores.Table())
	fmt.Print(scores.Table())
	for _, f := range scores.Failures(0.9) {
		t.Error(f)
	}
}
