package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/backcoach/backcoach/models"
)

// scenarioDoc describes every scenario.
var scenarioDoc = map[string]string{
	"correct":         "setup, then good strokes (ascent with circles, across the shoulders, down the upper arms), hands returning round the outside of the body",
	"idle":            "the back alone, no hands",
	"too_fast":        "setup, a good stroke, then an ascent in under 2 s",
	"on_spine":        "setup, a good stroke, then the left hand ascends on the spine while the right hand rests",
	"no_circles":      "setup, a good stroke, then a straight ascent without circles",
	"start_low":       "setup, a good stroke, then an ascent that starts at mid-back (v ≈ 0.58)",
	"reach_shoulders": "setup, a good stroke, then an ascent that stops at mid-back and leaves the back sideways",
	"wrong_direction": "setup, a good stroke, then hands placed at the shoulders slide down the back",
	"avoid_zone":      "setup, a good stroke that keeps clear of the marked zone, then an ascent through it (right side)",
	"hands_lost":      "setup, a good stroke, then the hands leave the frame for 5 s and come back",
}

// Scenarios lists the scenario names in a stable order.
func Scenarios() []string {
	return []string{"correct", "idle", "too_fast", "on_spine", "no_circles", "start_low",
		"reach_shoulders", "wrong_direction", "avoid_zone", "hands_lost"}
}

// Describe returns the one-line description of a scenario ("" if unknown).
func Describe(name string) string { return scenarioDoc[name] }

// buildScript scripts the hands of a scenario. duration (s) > 0 extends the
// session (more strokes for "correct", resting hands otherwise) or cuts it.
func buildScript(name string, seed int64, sc *Scene, duration float64, onBack bool) (*script, float64, error) {
	s := &script{k: sc.Back.Length() / sc.Back.HalfWidth, r: rand.New(rand.NewPCG(uint64(seed), 0xc0ffee)), hands: true, onBack: onBack}
	fault := func(label string, expect []models.Code, forbid []models.Code, f func()) {
		t0 := s.t
		f()
		s.seg(label, t0, expect, forbid)
	}
	notGood := []models.Code{models.CodeGoodStroke}
	switch name {
	case "idle":
		s.hands = false
		end := 20.0
		if duration > 0 {
			end = duration
		}
		s.t = end
		s.seg("back only", 0, nil, []models.Code{models.CodeGoodStroke, models.CodeTooFast, models.CodeOnSpine,
			models.CodeNoCircles, models.CodeStartLow, models.CodeReachShoulders, models.CodeWrongDirection,
			models.CodeAvoidZone, models.CodeHandsLost})
		return s, end, nil
	case "correct":
		s.setup(sc.Anchor)
		strokes := 2
		if duration > 0 {
			// As many strokes as fit (about 15.4 s each after a 3 s setup).
			strokes = max(1, int((duration-3.2)/15.4))
		}
		for k := 0; k < strokes; k++ {
			s.goodStroke()
			s.ret(startV)
		}
	case "too_fast":
		s.setup(sc.Anchor)
		s.goodStroke()
		s.ret(startV)
		fault("ascent too fast", []models.Code{models.CodeTooFast}, notGood, func() {
			a, b := s.goodSpec(0), s.goodSpec(1)
			a.circles, b.circles = 3, 3
			s.ascent(1.6, [2]ascentSpec{a, b})
			s.acrossDown(0.7, 0.8)
		})
		s.ret(startV)
	case "on_spine":
		s.setup(sc.Anchor)
		s.goodStroke()
		s.ret(startV)
		// The left hand moves onto the spine, then ascends on it.
		var way [2][][2]float64
		way[0] = [][2]float64{{-0.02, startV + 0.02}}
		way[1] = [][2]float64{{0.7, startV + 0.02}}
		s.path(1.0, way, 0, 0, 0)
		fault("ascent on the spine", []models.Code{models.CodeOnSpine}, notGood, func() {
			sp := s.goodSpec(0)
			sp.u, sp.exactU = -0.02, true
			sp.a, sp.b, sp.tiltE, sp.circles = 0.012, 0.045, 0, 4
			s.ascent(6.5, [2]ascentSpec{sp, {}})
		})
		// The left hand finishes across the shoulder and down the arm, then
		// returns round the outside like any stroke; the right one waits.
		var way2 [2][][2]float64
		way2[0] = [][2]float64{{-armU, topV + 0.01}}
		way2[1] = [][2]float64{{0.7, startV + 0.02}}
		s.path(2.4, way2, 0, 0, 0.35)
		way2[0] = [][2]float64{{-armDownU, armDownV}}
		s.path(1.6, way2, 0, 0, 0.1)
		t0 := s.t
		way2[0] = [][2]float64{{-offU, 0.32}, {-startU, startV}}
		way2[1] = [][2]float64{{startU, startV}}
		s.path(3.7, way2, 0.7, 0, 0)
		s.hold(0.4)
		s.seg("return off the back", t0, nil, []models.Code{models.CodeWrongDirection})
	case "no_circles":
		s.setup(sc.Anchor)
		s.goodStroke()
		s.ret(startV)
		fault("ascent without circles", []models.Code{models.CodeNoCircles}, notGood, func() {
			a, b := s.goodSpec(0), s.goodSpec(1)
			a.circles, b.circles = 0, 0
			a.wobble, b.wobble = 0.008, 0.008
			s.ascent(5.5, [2]ascentSpec{a, b})
			s.acrossDown(1.6, 1.6)
		})
		s.ret(startV)
	case "start_low":
		s.setup(sc.Anchor)
		s.goodStroke()
		s.ret(0.58)
		fault("ascent starts at mid-back", []models.Code{models.CodeStartLow}, notGood, func() {
			a, b := s.goodSpec(0), s.goodSpec(1)
			a.circles, b.circles = 3, 3
			s.ascent(4.8, [2]ascentSpec{a, b})
			s.acrossDown(1.6, 1.6)
		})
		s.ret(startV)
	case "reach_shoulders":
		s.setup(sc.Anchor)
		s.goodStroke()
		s.ret(startV)
		fault("ascent stops at mid-back", []models.Code{models.CodeReachShoulders}, notGood, func() {
			a, b := s.goodSpec(0), s.goodSpec(1)
			a.toV, b.toV = 0.52, 0.52
			a.circles, b.circles = 3, 3
			s.ascent(4.8, [2]ascentSpec{a, b})
			var way [2][][2]float64
			for h := 0; h < 2; h++ {
				way[h] = [][2]float64{{sideSign(h) * offU, 0.54}}
			}
			s.path(2.6, way, 0.3, 0.5, 0.2)
		})
		t0 := s.t
		var way [2][][2]float64
		for h := 0; h < 2; h++ {
			way[h] = [][2]float64{{sideSign(h) * offU, 0.32}, {sideSign(h) * startU, startV}}
		}
		s.path(3.4, way, 0.7, 0, 0)
		s.hold(0.4)
		s.seg("return off the back", t0, nil, []models.Code{models.CodeWrongDirection})
	case "wrong_direction":
		s.setup(sc.Anchor)
		s.goodStroke()
		// Round the outside up to the shoulders, then slide down the back.
		t0 := s.t
		var way [2][][2]float64
		for h := 0; h < 2; h++ {
			way[h] = [][2]float64{{sideSign(h) * offU, 0.9}, {sideSign(h) * startU, 0.9}}
		}
		s.path(3.4, way, 0.6, 0, 0)
		s.hold(0.6)
		s.seg("hands placed at the shoulders", t0, nil, []models.Code{models.CodeWrongDirection})
		fault("hands slide down the back", []models.Code{models.CodeWrongDirection}, notGood, func() {
			a, b := s.goodSpec(0), s.goodSpec(1)
			a.circles, b.circles = 0, 0
			a.toV, b.toV = startV, startV
			s.ascent(3.6, [2]ascentSpec{a, b})
		})
		s.hold(1.0)
	case "avoid_zone":
		// Zone on the receiver's right, u 0.55..0.9, v 0.40..0.64.
		s.zones = []models.Zone{{Points: [][2]float64{
			{0.56, 0.40}, {0.82, 0.40}, {0.90, 0.50}, {0.86, 0.64}, {0.60, 0.64}, {0.54, 0.52},
		}}}
		s.setup(sc.Anchor)
		t0 := s.t
		a, b := s.goodSpec(0), s.goodSpec(1)
		b.u, b.a = 0.32, 0.036
		s.ascent(s.uni(7.8, 8.4), [2]ascentSpec{a, b})
		s.acrossDown(1.6, 1.6)
		s.seg("good stroke clear of the zone", t0, []models.Code{models.CodeGoodStroke}, goodForbid)
		s.ret(startV)
		// The right hand moves out to u = 0.7 before the ascent.
		var way [2][][2]float64
		way[0] = [][2]float64{{-startU, startV}}
		way[1] = [][2]float64{{0.7, startV}}
		s.path(1.2, way, 0, 0, 0)
		fault("right hand ascends through the zone", []models.Code{models.CodeAvoidZone}, nil, func() {
			a, b := s.goodSpec(0), s.goodSpec(1)
			b.u, b.a = 0.7, 0.036
			s.ascent(s.uni(7.8, 8.4), [2]ascentSpec{a, b})
			s.acrossDown(1.6, 1.6)
		})
		s.ret(startV)
	case "hands_lost":
		s.setup(sc.Anchor)
		s.goodStroke()
		// Off the back sideways, then out of the frame past the waist.
		t0 := s.t
		var way [2][][2]float64
		for h := 0; h < 2; h++ {
			way[h] = [][2]float64{{sideSign(h) * offU, 0.35}, {sideSign(h) * 1.9, -1.6}}
		}
		s.path(2.6, way, 0.8, 0.8, 0)
		s.seg("hands leave the frame", t0, nil, []models.Code{models.CodeWrongDirection})
		fault("hands out of view", []models.Code{models.CodeHandsLost}, nil, func() {
			s.hold(5.0)
		})
		s.setup(sc.Anchor)
		s.hold(1.0)
	default:
		return nil, 0, fmt.Errorf("unknown scenario %q (want one of %v)", name, Scenarios())
	}
	end := s.t + 0.5
	if duration > 0 {
		end = duration
	}
	s.restUntil(end)
	// Drop segments the duration cut short.
	var segs []models.TruthSegment
	for _, g := range s.segs {
		if g.End <= end+1e-9 {
			segs = append(segs, g)
		}
	}
	s.segs = segs
	return s, end, nil
}

// expectedCircles counts full turns of a trajectory's direction of motion
// (used by tests).
func expectedCircles(us, vs []float64, k float64) float64 {
	var total, prev float64
	first := true
	for i := 1; i < len(us); i++ {
		du, dv := (us[i]-us[i-1])/k, vs[i]-vs[i-1]
		if math.Hypot(du, dv) < 1e-6 {
			continue
		}
		a := math.Atan2(dv, du)
		if !first {
			d := a - prev
			for d > math.Pi {
				d -= 2 * math.Pi
			}
			for d < -math.Pi {
				d += 2 * math.Pi
			}
			total += d
		}
		prev, first = a, false
	}
	return math.Abs(total) / (2 * math.Pi)
}
