package coach_test

import (
	"fmt"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/coach/scripttest"
	"github.com/backcoach/backcoach/models"
)

// borderline is one side of one threshold: the code must (fires) or must
// not be given.
type borderline struct {
	name   string
	r      func(*coach.Routine)
	zones  []models.Zone
	script scripttest.Script
	code   C
	fires  bool
}

func (b borderline) check(t *testing.T) {
	t.Helper()
	o := run(t, routine(b.r), b.zones, b.script)
	got := o.codes()[b.code] > 0
	if got != b.fires {
		t.Errorf("%s given: %v, want %v\n%s", b.code, got, b.fires, o)
	} else if testing.Verbose() {
		t.Logf("\n%s", o)
	}
}

func with(a asc, f func(*asc)) asc { f(&a); return a }

// TestBorderlines checks both sides of every threshold of the routine, as
// the routine file sets it.
func TestBorderlines(t *testing.T) {
	g := good(-0.45)
	noMinAscent := func(r *coach.Routine) { r.Pace.MinAscent = 0; r.Circles.MinCount = 0 }
	cases := []borderline{
		// start.v_max = 0.30 (the circles' centre where the ascent begins).
		{name: "start 0.26", script: one(path(1, with(g, func(a *asc) { a.from = 0.26 }))), code: low, fires: false},
		{name: "start 0.34", script: one(path(1, with(g, func(a *asc) { a.from = 0.34 }))), code: low, fires: true},
		// shoulders.v_min = 0.85 (highest point the hand reaches).
		{name: "top 0.88", r: noMinAscent, script: one(path(1, with(g, func(a *asc) { a.to, a.turns, a.after = 0.88, 0, "side" }))), code: reach, fires: false},
		{name: "top 0.82", r: noMinAscent, script: one(path(1, with(g, func(a *asc) { a.to, a.turns, a.after = 0.82, 0, "side" }))), code: reach, fires: true},
		// circles.min_count = 2.
		{name: "2.6 circles", script: one(path(1, with(g, func(a *asc) { a.turns = 2.6 }))), code: nocirc, fires: false},
		{name: "1.4 circles", script: one(path(1, with(g, func(a *asc) { a.turns = 1.4 }))), code: nocirc, fires: true},
		{name: "2.6 circles the other way", script: one(path(1, with(g, func(a *asc) { a.turns = -2.6 }))), code: nocirc, fires: false},
		{name: "ellipses", script: one(path(1, with(g, func(a *asc) { a.aspect = 0.5; a.r = 0.06 }))), code: nocirc, fires: false},
		// circles.radius_min = 0.02, radius_max = 0.15.
		{name: "radius 0.03", script: one(path(1, with(g, func(a *asc) { a.r = 0.03 }))), code: nocirc, fires: false},
		{name: "radius 0.01", script: one(path(1, with(g, func(a *asc) { a.r = 0.01 }))), code: nocirc, fires: true},
		{name: "radius 0.12", script: one(path(1, with(g, func(a *asc) { a.r, a.dur = 0.12, 7 }))), code: nocirc, fires: false},
		{name: "radius 0.20", script: one(path(1, with(g, func(a *asc) { a.r, a.dur = 0.20, 7 }))), code: nocirc, fires: true},
		// pace.min_ascent = 3 s.
		{name: "ascent 3.5 s", script: one(path(1, with(g, func(a *asc) { a.dur, a.turns, a.r = 3.5, 3, 0.03 }))), code: fast, fires: false},
		{name: "ascent 2.6 s", script: one(path(1, with(g, func(a *asc) { a.dur, a.turns, a.r = 2.6, 3, 0.03 }))), code: fast, fires: true},
		// pace.speed_limit = 0.45 L/s (straight lines, the ascent's length
		// check off): 0.75 L at 0.40 and 0.50 L/s.
		{name: "speed 0.40", r: noMinAscent, script: one(path(1, with(g, func(a *asc) { a.turns, a.from, a.to, a.dur = 0, 0.1, 0.85, 0.75/0.40 }))), code: fast, fires: false},
		{name: "speed 0.50", r: noMinAscent, script: one(path(1, with(g, func(a *asc) { a.turns, a.from, a.to, a.dur = 0, 0.1, 0.85, 0.75/0.50 }))), code: fast, fires: true},
		// pace.too_fast_persist = 0.5 s: a dash of 0.3 s vs 1.2 s at 0.8 L/s
		// across the lower back.
		{name: "dash 0.4 s", script: one(scripttest.Start(-0.9, 0.5).Hold(2).Line(-0.9+0.7*0.4*330/130, 0.5, 0.4).Hold(2)), code: fast, fires: false},
		{name: "dash 1.0 s", script: one(scripttest.Start(-0.9, 0.5).Hold(2).Line(-0.9+0.7*1.0*330/130, 0.5, 1.0).Hold(2)), code: fast, fires: true},
		// spine.u_max = 0.10.
		{name: "u 0.14", r: noMinAscent, script: one(path(1, with(g, func(a *asc) { a.u, a.turns, a.dur = 0.14, 0, 5 }))), code: spine, fires: false},
		{name: "u 0.06", r: noMinAscent, script: one(path(1, with(g, func(a *asc) { a.u, a.turns, a.dur = 0.06, 0, 5 }))), code: spine, fires: true},
		// spine.persist = 0.5 s: crossing the spine quickly vs lingering.
		{name: "cross spine 0.2 s", script: one(scripttest.Start(-0.4, 0.4).Hold(2).Line(0.4, 0.4, 0.6).Hold(2)), code: spine, fires: false},
		{name: "stay on spine 1 s", script: one(scripttest.Start(-0.4, 0.4).Hold(2).Line(0, 0.4, 0.6).Hold(1).Line(0.4, 0.4, 0.6).Hold(2)), code: spine, fires: true},
		// spine.v_min = 0.1: below it (the waist) is not the spine band.
		{name: "on spine at v 0.05", script: one(scripttest.Start(-0.4, 0.05).Hold(2).Line(0, 0.05, 0.3).Hold(2).Line(-0.4, 0.05, 0.3).Hold(1)), code: spine, fires: false},
		{name: "on spine at v 0.2", script: one(scripttest.Start(-0.4, 0.2).Hold(2).Line(0, 0.2, 0.3).Hold(2).Line(-0.4, 0.2, 0.3).Hold(1)), code: spine, fires: true},
		// tracking.settle = 1 s: a hand that lands on the spine is judged
		// only once settled.
		{name: "on spine while settling", script: one(scripttest.Start(0, 0.4).Hold(1.2).Line(-0.4, 0.4, 0.3).Hold(3)), code: spine, fires: false},
		{name: "on spine once settled", script: one(scripttest.Start(0, 0.4).Hold(2.2).Line(-0.4, 0.4, 0.3).Hold(3)), code: spine, fires: true},
		// wrong_direction.drop = 0.3 L.
		{name: "slide 0.2", script: one(scripttest.Start(-0.45, 0.7).Hold(2).Line(-0.45, 0.5, 2).Hold(2)), code: wrongd, fires: false},
		{name: "slide 0.4", script: one(scripttest.Start(-0.45, 0.7).Hold(2).Line(-0.45, 0.3, 2.5).Hold(2)), code: wrongd, fires: true},
		// hands_lost.after = 3 s.
		{name: "gone 2.5 s", script: one(path(1, g).Hide(1.3).Jump(-0.45, 0.15).Hold(2)), code: lost, fires: false},
		{name: "gone 4 s", script: one(path(1, g).Hide(2.8).Jump(-0.45, 0.15).Hold(2)), code: lost, fires: true},
	}
	for _, b := range cases {
		t.Run(b.name, b.check)
	}
	// The same with ±3 px jitter, a few dropped frames and missed hands,
	// over several seeds: the verdicts hold.
	for _, b := range cases {
		for seed := int64(1); seed <= 4; seed++ {
			b := b
			b.script.Jitter, b.script.DropFrames, b.script.MissHands, b.script.Seed = 3, 0.02, 0.02, seed
			t.Run(fmt.Sprintf("%s, jitter seed %d", b.name, seed), b.check)
		}
	}
}
