package synth

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
)

func mustPlan(t *testing.T, o Options) *Session {
	t.Helper()
	s, err := Plan(o)
	if err != nil {
		t.Fatalf("Plan(%+v): %v", o, err)
	}
	return s
}

func TestDeterministic(t *testing.T) {
	for _, sc := range Scenarios() {
		t.Run(sc, func(t *testing.T) {
			a := mustPlan(t, Options{Scenario: sc, Seed: 7})
			b := mustPlan(t, Options{Scenario: sc, Seed: 7})
			if !reflect.DeepEqual(a.Truth, b.Truth) {
				t.Fatal("same seed gave different truth")
			}
			c := mustPlan(t, Options{Scenario: sc, Seed: 8})
			if reflect.DeepEqual(a.Truth.Back, c.Truth.Back) {
				t.Error("different seeds gave the same back geometry")
			}
		})
	}
}

func TestDeterministicPixels(t *testing.T) {
	a := mustPlan(t, Options{Scenario: "correct", Seed: 3, Width: 160, Height: 120})
	b := mustPlan(t, Options{Scenario: "correct", Seed: 3, Width: 160, Height: 120})
	fa, fb := make([]byte, 160*120*3), make([]byte, 160*120*3)
	for _, i := range []int{0, 200} {
		if err := a.RenderFrame(i, fa); err != nil {
			t.Fatal(err)
		}
		if err := b.RenderFrame(i, fb); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fa, fb) {
			t.Fatalf("frame %d differs between two renders of the same seed", i)
		}
	}
}

func TestBadOptions(t *testing.T) {
	cases := []Options{
		{Scenario: "nope"},
		{Scenario: "correct", Head: "sideways"},
		{Scenario: "correct", Width: 641},
		{Scenario: "correct", FPS: -1},
		{Scenario: "correct", Duration: -3},
	}
	for _, o := range cases {
		if _, err := Plan(o); err == nil {
			t.Errorf("Plan(%+v): want an error", o)
		}
	}
}

// TestTruthOnHands renders a few frames and checks that every visible truth
// palm centre lies on the rendered hand of the same ID, on bare skin.
func TestTruthOnHands(t *testing.T) {
	cases := []struct {
		scenario string
		seed     int64
		head     models.Head
	}{
		{"correct", 1, models.HeadTop},
		{"correct", 101, models.HeadBottom},
		{"on_spine", 4, models.HeadTop},
		{"avoid_zone", 9, models.HeadLeft},
	}
	for _, c := range cases {
		s := mustPlan(t, Options{Scenario: c.scenario, Seed: c.seed, Head: c.head})
		buf := make([]byte, 3*s.Opts.Width*s.Opts.Height)
		checked := 0
		for i := 30; i < s.Frames(); i += s.Frames() / 7 {
			if err := s.RenderFrame(i, buf); err != nil {
				t.Fatal(err)
			}
			for _, hd := range s.Truth.Frames[i].Hands {
				if !hd.Visible {
					continue
				}
				x, y := int(hd.X), int(hd.Y)
				if got := s.HandMask(x, y); got != hd.ID {
					t.Errorf("%s seed %d frame %d: hand %d truth (%.0f,%.0f) lies on mask %d", c.scenario, c.seed, i, hd.ID, hd.X, hd.Y, got)
				}
				if !s.HandMaterialIsSkin(x, y) {
					t.Errorf("%s frame %d: hand %d centre is not on bare skin", c.scenario, i, hd.ID)
				}
				// A quarter palm width away in every direction is still hand.
				for _, d := range [][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
					r := s.Truth.PalmWidth / 4
					if s.HandMask(int(hd.X+d[0]*r), int(hd.Y+d[1]*r)) < 0 {
						t.Errorf("%s frame %d: hand %d: point %.0f px from the centre is off the hand", c.scenario, i, hd.ID, r)
					}
				}
				checked++
			}
		}
		if checked < 6 {
			t.Errorf("%s: only %d visible palms checked", c.scenario, checked)
		}
	}
}

// TestPaletteContrast checks that the palm centre pixel looks like the hand
// colour rather than whatever is behind it.
func TestHandVisibleInPixels(t *testing.T) {
	s := mustPlan(t, Options{Scenario: "correct", Seed: 1})
	s.Scene.ContrastSkin()
	buf := make([]byte, 3*s.Opts.Width*s.Opts.Height)
	i := 150
	if err := s.RenderFrame(i, buf); err != nil {
		t.Fatal(err)
	}
	withHands := append([]byte(nil), buf...)
	poses := s.poses
	s.poses = nil
	if err := s.RenderFrame(i, buf); err != nil {
		t.Fatal(err)
	}
	s.poses = poses
	for _, hd := range s.Truth.Frames[i].Hands {
		j := 3 * (int(hd.Y)*s.Opts.Width + int(hd.X))
		var diff int
		for c := 0; c < 3; c++ {
			d := int(withHands[j+c]) - int(buf[j+c])
			if d < 0 {
				d = -d
			}
			diff += d
		}
		if diff < 30 {
			t.Errorf("hand %d: palm centre differs by only %d from the back behind it", hd.ID, diff)
		}
	}
}

// TestUVMatchesScript checks that the truth palm centres map back (Back.UV)
// to the scripted (u, v) within the camera shake.
func TestUVMatchesScript(t *testing.T) {
	for _, head := range []models.Head{models.HeadTop, models.HeadBottom, models.HeadLeft, models.HeadRight} {
		s := mustPlan(t, Options{Scenario: "correct", Seed: 11, Head: head})
		b := s.Truth.Back
		tolU := 2.9 / b.HalfWidth
		tolV := 2.9 / b.Length()
		for i := 0; i < s.Frames(); i += 17 {
			for _, hd := range s.Truth.Frames[i].Hands {
				p, _ := s.Pose(i, hd.ID)
				u, v := b.UV(models.Point{X: hd.X, Y: hd.Y})
				if math.Abs(u-p.U) > tolU || math.Abs(v-p.V) > tolV {
					t.Fatalf("head %s frame %d hand %d: UV (%.3f,%.3f), script (%.3f,%.3f)", head, i, hd.ID, u, v, p.U, p.V)
				}
			}
		}
		// Head orientation: the shoulders are towards the head.
		d := b.SpineTop.Sub(b.SpineBottom)
		var ok bool
		switch head {
		case models.HeadTop:
			ok = d.Y < -math.Abs(d.X)
		case models.HeadBottom:
			ok = d.Y > math.Abs(d.X)
		case models.HeadLeft:
			ok = d.X < -math.Abs(d.Y)
		case models.HeadRight:
			ok = d.X > math.Abs(d.Y)
		}
		if !ok {
			t.Errorf("head %s: spine W→N is %v", head, d)
		}
	}
}

// handKin is the kinematics of one hand in one segment.
type handKin struct {
	maxSpeed float64 // smoothed over 0.5 s, back lengths per second
	circles  float64
	startV   float64
	startU   float64
	maxV     float64
	minAbsU  float64 // while 0.1 < v < 1
	ascentS  float64 // time from the start band to v >= 0.85
}

func kinematics(s *Session, seg models.TruthSegment, h int) handKin {
	fps := s.Opts.FPS
	i0, i1 := int(math.Round(seg.Start*fps)), int(math.Round(seg.End*fps))
	i1 = min(i1, s.Frames()-1)
	k := s.Truth.Back.Length() / s.Truth.Back.HalfWidth
	var us, vs []float64
	for i := i0; i <= i1; i++ {
		p, _ := s.Pose(i, h)
		us = append(us, p.U)
		vs = append(vs, p.V)
	}
	hk := handKin{startV: vs[0], startU: us[0], minAbsU: 9, ascentS: -1}
	win := int(math.Round(0.5 * fps))
	speeds := make([]float64, len(us))
	for i := 1; i < len(us); i++ {
		speeds[i] = math.Hypot((us[i]-us[i-1])/k, vs[i]-vs[i-1]) * fps
	}
	for i := win; i < len(us); i++ {
		var sum float64
		for j := i - win + 1; j <= i; j++ {
			sum += speeds[j]
		}
		hk.maxSpeed = math.Max(hk.maxSpeed, sum/float64(win))
	}
	for i := range vs {
		hk.maxV = math.Max(hk.maxV, vs[i])
		if vs[i] > 0.1 && vs[i] < 1 {
			hk.minAbsU = math.Min(hk.minAbsU, math.Abs(us[i]))
		}
		if hk.ascentS < 0 && vs[i] >= 0.85 {
			hk.ascentS = float64(i) / fps
		}
	}
	// Circles during the ascent only.
	end := len(us)
	if hk.ascentS > 0 {
		end = int(hk.ascentS*fps) + 1
	}
	hk.circles = expectedCircles(us[:end], vs[:end], k)
	return hk
}

func hasCode(cs []models.Code, c models.Code) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// TestStrokeMargins checks that good strokes are clearly good and fault
// strokes clearly faulty (about 30 % from every threshold of DESIGN.md).
func TestStrokeMargins(t *testing.T) {
	for _, sc := range Scenarios() {
		for _, seed := range []int64{1, 2, 3} {
			s := mustPlan(t, Options{Scenario: sc, Seed: seed})
			for _, seg := range s.Truth.Segments {
				for h := 0; h < 2 && s.poses != nil; h++ {
					hk := kinematics(s, seg, h)
					name := func() string { return sc + "/" + seg.Label }
					if hasCode(seg.Expect, models.CodeGoodStroke) {
						if hk.maxSpeed > 0.45*0.72 {
							t.Errorf("%s seed %d hand %d: smoothed speed %.3f L/s", name(), seed, h, hk.maxSpeed)
						}
						if hk.startV > 0.3*0.7 || hk.maxV < 0.92 {
							t.Errorf("%s hand %d: start v %.2f, top v %.2f", name(), h, hk.startV, hk.maxV)
						}
						if hk.ascentS < 3*1.3 {
							t.Errorf("%s hand %d: ascent %.2f s", name(), h, hk.ascentS)
						}
						if hk.circles < 2*1.3 {
							t.Errorf("%s hand %d: %.2f circles", name(), h, hk.circles)
						}
						if hk.minAbsU < 0.15*1.3 {
							t.Errorf("%s hand %d: |u| down to %.2f", name(), h, hk.minAbsU)
						}
					}
					calm := !hasCode(seg.Expect, models.CodeTooFast) && !hasCode(seg.Expect, models.CodeHandsLost) &&
						!strings.HasPrefix(seg.Label, "setup") && seg.Label != "hands leave the frame"
					if calm && hk.maxSpeed > 0.45*0.72 {
						t.Errorf("%s seed %d hand %d: smoothed speed %.3f L/s outside a too_fast segment", name(), seed, h, hk.maxSpeed)
					}
					if hasCode(seg.Expect, models.CodeTooFast) && (hk.maxSpeed < 0.45*1.3 || hk.ascentS > 3*0.7) {
						t.Errorf("%s hand %d: too_fast stroke at %.2f L/s, ascent %.2f s", name(), h, hk.maxSpeed, hk.ascentS)
					}
					if hasCode(seg.Expect, models.CodeStartLow) && hk.startV < 0.3*1.3 {
						t.Errorf("%s hand %d: start_low stroke starts at v %.2f", name(), h, hk.startV)
					}
					if hasCode(seg.Expect, models.CodeReachShoulders) && hk.maxV > 0.85*0.7 {
						t.Errorf("%s hand %d: reach_shoulders stroke reaches v %.2f", name(), h, hk.maxV)
					}
					if hasCode(seg.Expect, models.CodeNoCircles) && hk.circles > 1.0 {
						t.Errorf("%s hand %d: no_circles stroke has %.2f circles", name(), h, hk.circles)
					}
					if hasCode(seg.Expect, models.CodeOnSpine) && h == 0 && hk.minAbsU > 0.05 {
						t.Errorf("%s: on_spine hand at |u| %.2f", name(), hk.minAbsU)
					}
					if hasCode(seg.Forbid, models.CodeWrongDirection) {
						if fall := backFall(s, seg, h); fall > 0.3*0.7 {
							t.Errorf("%s hand %d: v falls %.2f L over the back", name(), h, fall)
						}
					}
					if hasCode(seg.Expect, models.CodeWrongDirection) {
						if fall := backFall(s, seg, h); fall < 0.3*1.3 {
							t.Errorf("%s hand %d: v falls only %.2f L over the back", name(), h, fall)
						}
					}
				}
			}
		}
	}
}

// backFall is the largest drop of v while the hand stays over the back
// (|u| < 1.1, 0 < v < 1.05).
func backFall(s *Session, seg models.TruthSegment, h int) float64 {
	fps := s.Opts.FPS
	i0, i1 := int(math.Round(seg.Start*fps)), min(int(math.Round(seg.End*fps)), s.Frames()-1)
	best, peak := 0.0, math.Inf(-1)
	for i := i0; i <= i1; i++ {
		p, _ := s.Pose(i, h)
		if math.Abs(p.U) > 1.1 || p.V < -0.05 || p.V > 1.05 || p.Lift > 0.3 {
			peak = math.Inf(-1)
			continue
		}
		peak = math.Max(peak, p.V)
		best = math.Max(best, peak-p.V)
	}
	return best
}

func TestHandsLostAndIdle(t *testing.T) {
	s := mustPlan(t, Options{Scenario: "hands_lost", Seed: 10})
	var gone *models.TruthSegment
	for i := range s.Truth.Segments {
		if hasCode(s.Truth.Segments[i].Expect, models.CodeHandsLost) {
			gone = &s.Truth.Segments[i]
		}
	}
	if gone == nil || gone.End-gone.Start < 4 {
		t.Fatalf("hands_lost segment %+v: want > 4 s", gone)
	}
	for _, f := range s.Truth.Frames {
		if f.T > gone.Start+0.05 && f.T < gone.End-0.05 {
			for _, h := range f.Hands {
				if h.Visible {
					t.Fatalf("frame %d: hand %d visible while lost", f.I, h.ID)
				}
			}
		}
	}
	idle := mustPlan(t, Options{Scenario: "idle", Seed: 2})
	for _, f := range idle.Truth.Frames {
		if len(f.Hands) != 0 {
			t.Fatalf("idle frame %d has hands", f.I)
		}
	}
}

func TestSegmentsOrdered(t *testing.T) {
	for _, sc := range Scenarios() {
		s := mustPlan(t, Options{Scenario: sc, Seed: 5})
		prev := 0.0
		dur := float64(s.Frames()) / s.Opts.FPS
		if dur < 15 || dur > 36 {
			t.Errorf("%s: %.1f s long", sc, dur)
		}
		for _, g := range s.Truth.Segments {
			if g.Start < prev-1e-9 || g.End <= g.Start || g.End > dur+0.05 {
				t.Errorf("%s: segment %+v out of order", sc, g)
			}
			prev = g.End
			for _, c := range append(append([]models.Code{}, g.Expect...), g.Forbid...) {
				if !c.Known() {
					t.Errorf("%s: unknown code %q", sc, c)
				}
			}
		}
		if sc != "idle" && sc != "correct" {
			var good, fault bool
			for _, g := range s.Truth.Segments {
				good = good || hasCode(g.Expect, models.CodeGoodStroke)
				fault = fault || (len(g.Expect) > 0 && !hasCode(g.Expect, models.CodeGoodStroke))
			}
			if !good || !fault {
				t.Errorf("%s: want a good stroke and a fault segment", sc)
			}
		}
	}
}
