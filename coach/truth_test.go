package coach_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/models"
)

// truthSlack is how far outside a segment an expected code may fall.
const truthSlack = 1.5

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

type codeScore struct{ expected, found, tp, fp, neutral int }

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
	scores := map[models.Code]*codeScore{}
	score := func(c models.Code) *codeScore {
		if scores[c] == nil {
			scores[c] = &codeScore{}
		}
		return scores[c]
	}
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
		var problems []string
		for _, seg := range tr.Segments {
			for _, code := range seg.Expect {
				score(code).expected++
				ok := false
				for _, f := range fb {
					if f.Code == code && f.T >= seg.Start-truthSlack && f.T <= seg.End+truthSlack {
						ok = true
					}
				}
				if ok {
					score(code).found++
				} else {
					problems = append(problems, fmt.Sprintf("segment %q [%.1f, %.1f]: no %s", seg.Label, seg.Start, seg.End, code))
				}
			}
			for _, code := range seg.Forbid {
				for _, f := range fb {
					if f.Code == code && f.T >= seg.Start && f.T <= seg.End {
						problems = append(problems, fmt.Sprintf("segment %q [%.1f, %.1f]: forbidden %s at %.2f", seg.Label, seg.Start, seg.End, code, f.T))
					}
				}
			}
		}
		if tr.Scenario == "idle" && len(fb) > 0 {
			problems = append(problems, fmt.Sprintf("idle session: %d feedback, want none", len(fb)))
		}
		for _, f := range fb {
			tp, fp := false, false
			for _, seg := range tr.Segments {
				for _, c := range seg.Expect {
					if c == f.Code && f.T >= seg.Start-truthSlack && f.T <= seg.End+truthSlack {
						tp = true
					}
				}
				for _, c := range seg.Forbid {
					if c == f.Code && f.T >= seg.Start && f.T <= seg.End {
						fp = true
					}
				}
			}
			switch {
			case tp:
				score(f.Code).tp++
			case fp:
				score(f.Code).fp++
			default:
				score(f.Code).neutral++
				if os.Getenv("BACKCOACH_TRUTH_NEUTRAL") != "" {
					lbl := "no segment"
					for _, seg := range tr.Segments {
						if f.T >= seg.Start && f.T <= seg.End {
							lbl = seg.Label
						}
					}
					t.Logf("%s: %s at %.2f in %q", name, f.Code, f.T, lbl)
				}
			}
		}
		if len(problems) > 0 || testing.Verbose() {
			var b strings.Builder
			for _, s := range strokes {
				fmt.Fprintf(&b, "    stroke hand %d %.2f-%.2f circles %d peak %.2f %v\n", s.Hand, s.Start, s.End, s.Circles, s.PeakSpeed, s.Verdicts)
			}
			for _, f := range fb {
				fmt.Fprintf(&b, "    feedback %.2f %s\n", f.T, f.Code)
			}
			for _, seg := range tr.Segments {
				fmt.Fprintf(&b, "    segment [%.1f, %.1f] %q expect %v\n", seg.Start, seg.End, seg.Label, seg.Expect)
			}
			if len(problems) > 0 {
				t.Errorf("%s:\n  %s\n%s", name, strings.Join(problems, "\n  "), b.String())
			} else {
				t.Logf("%s: ok\n%s", name, b.String())
			}
		}
	}
	var codes []string
	for c := range scores {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	var b strings.Builder
	fmt.Fprintf(&b, "%d sessions\n%-16s %8s %8s %8s %8s %8s %8s\n", len(files), "code", "expected", "found", "recall", "tp", "fp", "precision")
	for _, c := range codes {
		s := scores[models.Code(c)]
		recall, precision := 1.0, 1.0
		if s.expected > 0 {
			recall = float64(s.found) / float64(s.expected)
		}
		if s.tp+s.fp > 0 {
			precision = float64(s.tp) / float64(s.tp+s.fp)
		}
		fmt.Fprintf(&b, "%-16s %8d %8d %8.2f %8d %8d %8.2f   (%d outside any segment's verdict)\n", c, s.expected, s.found, recall, s.tp, s.fp, precision, s.neutral)
		if recall < 0.9 || precision < 0.9 {
			t.Errorf("%s: recall %.2f, precision %.2f, want both >= 0.9", c, recall, precision)
		}
	}
	t.Logf("per-code figures over the truth sessions:\n%s", b.String())
	fmt.Print(b.String())
}
