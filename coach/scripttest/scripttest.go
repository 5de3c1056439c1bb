// Package scripttest makes scripted hand trajectories for testing the coach
// without video: paths in back coordinates (u, v), turned into the
// models.FrameObs vision would give, with optional jitter and dropped frames.
package scripttest

import (
	"math"
	"math/rand"

	"github.com/backcoach/backcoach/models"
)

// Back is a typical calibrated back of a 640x480 frame, head at the top:
// L = 330 px, H = 130 px.
var Back = models.Back{
	SpineBottom: models.Point{X: 320, Y: 420},
	SpineTop:    models.Point{X: 320, Y: 90},
	HalfWidth:   130,
}

// Sample is where a hand is at a moment of a path.
type Sample struct {
	U, V    float64
	Visible bool
}

type piece struct {
	dur float64
	at  func(s float64) Sample // s in [0, 1]
}

// Path is a hand's scripted trajectory, built step by step from a starting
// point; each step continues from where the last one ended.
type Path struct {
	back   models.Back
	u, v   float64
	pieces []piece
}

// Start begins a path at (u, v) on the given back (the zero Back: the
// package's Back).
func Start(u, v float64) *Path { return &Path{back: Back, u: u, v: v} }

// OnBack sets the back the path's lengths are measured on.
func (p *Path) OnBack(b models.Back) *Path { p.back = b; return p }

// Hold stays still for d seconds.
func (p *Path) Hold(d float64) *Path {
	u, v := p.u, p.v
	p.pieces = append(p.pieces, piece{d, func(float64) Sample { return Sample{u, v, true} }})
	return p
}

// Hide takes the hand out of view for d seconds (lifted off, or out of frame).
func (p *Path) Hide(d float64) *Path {
	u, v := p.u, p.v
	p.pieces = append(p.pieces, piece{d, func(float64) Sample { return Sample{u, v, false} }})
	return p
}

// Jump puts the hand at (u, v) at once (use after Hide).
func (p *Path) Jump(u, v float64) *Path { p.u, p.v = u, v; return p }

// Line moves straight to (u, v) in d seconds at constant speed.
func (p *Path) Line(u, v, d float64) *Path { return p.Circles(u, v, d, 0, 0, 1) }

// Circles moves to (u, v) in d seconds while making turns circles of radius
// r (in back lengths L); turns < 0 turns the other way; aspect squashes the
// circles across (1: round, 0.5: an ellipse half as wide as it is tall).
func (p *Path) Circles(u, v, d, turns, r, aspect float64) *Path {
	u0, v0 := p.u, p.v
	l, h := p.back.Length(), p.back.HalfWidth
	ru := r * l / h * aspect
	p.pieces = append(p.pieces, piece{d, func(s float64) Sample {
		cu := u0 + (u-u0)*s
		cv := v0 + (v-v0)*s
		if turns == 0 || r == 0 {
			return Sample{cu, cv, true}
		}
		// The hand starts at the bottom of its first circle (the circles'
		// centre runs r above the line) and ends at the same phase of the
		// last, fractional turns being blended in so the path is continuous.
		off := func(a float64) (float64, float64) { return ru * math.Sin(a), r * (1 - math.Cos(a)) }
		du, dv := off(2 * math.Pi * turns * s)
		eu, ev := off(2 * math.Pi * turns)
		return Sample{cu + du - eu*s, cv + dv - ev*s, true}
	}})
	p.u, p.v = u, v
	return p
}

// Then appends another path's steps (its own start point is ignored).
func (p *Path) Then(q *Path) *Path {
	p.pieces = append(p.pieces, q.pieces...)
	p.u, p.v = q.u, q.v
	return p
}

// Duration is the path's total length in seconds.
func (p *Path) Duration() float64 {
	d := 0.0
	for _, pc := range p.pieces {
		d += pc.dur
	}
	return d
}

// At returns where the hand is at time t (after the end: hidden).
func (p *Path) At(t float64) Sample {
	for _, pc := range p.pieces {
		if t < pc.dur {
			s := 0.0
			if pc.dur > 0 {
				s = t / pc.dur
			}
			return pc.at(s)
		}
		t -= pc.dur
	}
	return Sample{p.u, p.v, false}
}

// Script is a scripted session: hands on paths, rendered as frames.
type Script struct {
	// FPS is the frame rate (default 30).
	FPS float64
	// Duration in seconds (default: the longest path).
	Duration float64
	// Back is the calibrated back (zero: the package's Back).
	Back models.Back
	// Hands are the paths, hand i gets vision id i.
	Hands []*Path
	// Jitter is the largest error added to each palm centre, px (uniform).
	Jitter float64
	// DropFrames is the chance that a whole frame is missing.
	DropFrames float64
	// MissHands is the chance that vision misses one hand in a frame.
	MissHands float64
	// Ghosts is the chance that a frame holds a false hand somewhere in a
	// 640x480 frame.
	Ghosts float64
	// SwapIDs swaps vision's ids of the first two hands from this time on
	// (0: never).
	SwapIDs float64
	// Seed makes the noise reproducible.
	Seed int64
}

// Frames renders the script as the observations vision would give.
func (s Script) Frames() []models.FrameObs {
	fps := s.FPS
	if fps <= 0 {
		fps = 30
	}
	back := s.Back
	if !back.Valid() {
		back = Back
	}
	dur := s.Duration
	if dur <= 0 {
		for _, p := range s.Hands {
			dur = math.Max(dur, p.Duration())
		}
	}
	rng := rand.New(rand.NewSource(s.Seed))
	n := int(math.Round(dur * fps))
	out := make([]models.FrameObs, 0, n)
	for i := 0; i < n; i++ {
		t := float64(i) / fps
		drop := s.DropFrames > 0 && rng.Float64() < s.DropFrames
		obs := models.FrameObs{Index: i, T: t, Hands: []models.Hand{}}
		for id, p := range s.Hands {
			smp := p.At(t)
			miss := s.MissHands > 0 && rng.Float64() < s.MissHands
			jx, jy := 0.0, 0.0
			if s.Jitter > 0 {
				jx = (rng.Float64()*2 - 1) * s.Jitter
				jy = (rng.Float64()*2 - 1) * s.Jitter
			}
			if !smp.Visible || miss {
				continue
			}
			pt := back.Point(smp.U, smp.V)
			vid := id
			if s.SwapIDs > 0 && t >= s.SwapIDs && id < 2 && len(s.Hands) > 1 {
				vid = 1 - id
			}
			obs.Hands = append(obs.Hands, models.Hand{ID: vid, X: pt.X + jx, Y: pt.Y + jy})
		}
		if s.Ghosts > 0 && rng.Float64() < s.Ghosts {
			obs.Hands = append(obs.Hands, models.Hand{ID: 99, X: rng.Float64() * 640, Y: rng.Float64() * 480})
		}
		if drop {
			continue
		}
		out = append(out, obs)
	}
	return out
}
