package coach_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/coach/scripttest"
	"github.com/backcoach/backcoach/models"
)

// asc describes one scripted ascent.
type asc struct {
	u        float64 // side of the spine and distance from it
	from, to float64 // v of the circles' centre line at start and end
	dur      float64 // seconds
	turns    float64 // circles (negative: the other way)
	r        float64 // circle radius, L
	aspect   float64 // 0: round
	hold     float64 // seconds at the start before moving (0: 0.5 s, negative: none)
	after    string  // "arms" (across, down the arms, lift off), "lift", "slide" (slide down the back), "stay"
	slideTo  float64 // v the slide ends at
	slideDur float64
}

// good is a correct ascent on side u (negative: the receiver's left).
func good(u float64) asc {
	return asc{u: u, from: 0.15, to: 0.82, dur: 5, turns: 4, r: 0.05, after: "arms"}
}

// path builds a hand's path of ascents, starting with a second at rest so
// it settles.
func path(settle float64, as ...asc) *scripttest.Path {
	if len(as) == 0 {
		return scripttest.Start(-0.45, 0.2).Hold(settle)
	}
	p := scripttest.Start(as[0].u, as[0].from).Hold(settle)
	for i, a := range as {
		if i > 0 {
			p.Jump(a.u, a.from)
		}
		hold := a.hold
		if hold == 0 {
			hold = 0.5
		}
		if hold > 0 {
			p.Hold(hold)
		}
		aspect := a.aspect
		if aspect == 0 {
			aspect = 1
		}
		if a.turns == 0 {
			p.Line(a.u, a.to, a.dur)
		} else {
			p.Circles(a.u, a.to, a.dur, a.turns, a.r, aspect)
		}
		side := math.Copysign(1, a.u)
		switch a.after {
		case "arms", "":
			p.Line(side*1.2, a.to+0.08, 1.2).Line(side*1.3, a.to-0.2, 1.2).Hide(1.2)
		case "lift":
			p.Hold(0.3).Hide(1.5)
		case "side":
			p.Line(side*1.4, a.to, 1.5).Hide(1.5)
		case "slide":
			d := a.slideDur
			if d == 0 {
				d = 2.5
			}
			p.Line(a.u, a.slideTo, d).Hold(0.5).Hide(1.5)
		case "stay":
			p.Hold(2)
		}
	}
	return p
}

// outcome is what a scripted session produced.
type outcome struct {
	strokes  []models.Stroke
	feedback []models.Feedback
	coach    *coach.Coach
}

func (o outcome) codes() map[models.Code]int {
	m := map[models.Code]int{}
	for _, f := range o.feedback {
		m[f.Code]++
	}
	return m
}

func (o outcome) verdicts() [][]models.Code {
	var v [][]models.Code
	for _, s := range o.strokes {
		v = append(v, s.Verdicts)
	}
	return v
}

func (o outcome) String() string {
	var b strings.Builder
	for _, s := range o.strokes {
		fmt.Fprintf(&b, "  stroke hand %d %.2f-%.2f circles %d peak %.2f %v\n", s.Hand, s.Start, s.End, s.Circles, s.PeakSpeed, s.Verdicts)
	}
	for _, f := range o.feedback {
		h := -1
		if f.Hand != nil {
			h = *f.Hand
		}
		fmt.Fprintf(&b, "  feedback %.2f hand %d %s\n", f.T, h, f.Code)
	}
	return b.String()
}

// run plays a script through a coach.
func run(t testing.TB, r *coach.Routine, zones []models.Zone, s scripttest.Script) outcome {
	t.Helper()
	c := coach.New(r, scripttest.Back)
	c.SetZones(zones)
	var o outcome
	frames := s.Frames()
	var last float64
	for _, f := range frames {
		up := c.Observe(f)
		o.strokes = append(o.strokes, up.Strokes...)
		o.feedback = append(o.feedback, up.Feedback...)
		last = f.T
	}
	up := c.Finish(last + 1.0/30)
	o.strokes = append(o.strokes, up.Strokes...)
	o.feedback = append(o.feedback, up.Feedback...)
	o.coach = c
	return o
}

// routine returns the default routine changed by f.
func routine(f func(r *coach.Routine)) *coach.Routine {
	r := coach.DefaultRoutine()
	if f != nil {
		f(r)
	}
	return r
}

func one(p *scripttest.Path) scripttest.Script {
	return scripttest.Script{Hands: []*scripttest.Path{p}, Seed: 1}
}
