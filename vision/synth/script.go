package synth

import (
	"math"
	"math/rand/v2"

	"github.com/backcoach/backcoach/models"
)

// Pose is one hand in back coordinates at one moment.
type Pose struct {
	U, V float64
	// Lift is 0 on the back and 1 when the hand is lifted clear of it.
	Lift float64
	// Yaw turns the fingers towards the hand's outer side (radians).
	Yaw float64
}

// piece is a stretch of the script; f maps tau in [0,1] to both hands.
type piece struct {
	t0, t1 float64
	f      func(tau float64) [2]Pose
}

// script is a scripted pair of hand trajectories with their truth segments.
type script struct {
	k      float64 // L / H: converts back lengths to half widths
	r      *rand.Rand
	t      float64
	cur    [2]Pose
	pieces []piece
	segs   []models.TruthSegment
	zones  []models.Zone
	hands  bool
	// onBack: the session starts with the hands already resting on the back
	// (real recordings often do) instead of bringing them in.
	onBack bool
}

// The codes a good stroke must not raise.
var goodForbid = []models.Code{
	models.CodeTooFast, models.CodeOnSpine, models.CodeNoCircles, models.CodeStartLow,
	models.CodeReachShoulders, models.CodeWrongDirection, models.CodeAvoidZone, models.CodeHandsLost,
}

const (
	startV   = 0.12
	startU   = 0.45
	topV     = 0.96
	armU     = 1.22
	armDownU = 1.42
	armDownV = 0.62
	offU     = 1.72
)

func sideSign(h int) float64 {
	if h == 0 {
		return -1
	}
	return 1
}

// ease is a smooth trapezoidal velocity profile: ramps up over fraction r,
// constant speed, ramps down over the last fraction r.
func ease(tau, r float64) float64 {
	tau = clampf(tau, 0, 1)
	if r <= 0 {
		return tau
	}
	vmax := 1 / (1 - r)
	f := func(t float64) float64 { return vmax * (t/2 - r/(2*math.Pi)*math.Sin(math.Pi*t/r)) }
	switch {
	case tau < r:
		return f(tau)
	case tau > 1-r:
		return 1 - f(1-tau)
	default:
		return vmax * (r/2 + tau - r)
	}
}

func (s *script) add(dur float64, f func(tau float64) [2]Pose) {
	s.pieces = append(s.pieces, piece{t0: s.t, t1: s.t + dur, f: f})
	s.t += dur
	s.cur = f(1)
}

func (s *script) seg(label string, t0 float64, expect, forbid []models.Code) {
	if expect == nil {
		expect = []models.Code{}
	}
	if forbid == nil {
		forbid = []models.Code{}
	}
	s.segs = append(s.segs, models.TruthSegment{Start: round3(t0), End: round3(s.t), Label: label, Expect: expect, Forbid: forbid})
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func (s *script) uni(a, b float64) float64 { return a + (b-a)*s.r.Float64() }

// hold keeps the hands still (with a slight tremor).
func (s *script) hold(dur float64) {
	from := s.cur
	ph := s.uni(0, 6)
	s.add(dur, func(tau float64) [2]Pose {
		out := from
		for h := range out {
			a := tau * dur * 2 * math.Pi * 0.7
			out[h].U += 0.006 * math.Sin(a+ph+float64(h))
			out[h].V += 0.004 * math.Sin(1.3*a+ph)
		}
		return out
	})
}

// path moves both hands through waypoints (per hand, excluding the current
// position) with eased speed; lift is the peak lift along the way and endLift
// the lift at the end.
func (s *script) path(dur float64, way [2][][2]float64, lift, endLift float64, yaw float64) {
	from := s.cur
	var pts [2][][2]float64
	var cum [2][]float64
	for h := 0; h < 2; h++ {
		pts[h] = append([][2]float64{{from[h].U, from[h].V}}, way[h]...)
		cum[h] = []float64{0}
		for i := 1; i < len(pts[h]); i++ {
			du := (pts[h][i][0] - pts[h][i-1][0]) / s.k
			dv := pts[h][i][1] - pts[h][i-1][1]
			cum[h] = append(cum[h], cum[h][i-1]+math.Hypot(du, dv))
		}
	}
	s.add(dur, func(tau float64) [2]Pose {
		var out [2]Pose
		e := ease(tau, 0.2)
		for h := 0; h < 2; h++ {
			total := cum[h][len(cum[h])-1]
			d := e * total
			p := pts[h][len(pts[h])-1]
			for i := 1; i < len(pts[h]); i++ {
				if d <= cum[h][i] || i == len(pts[h])-1 {
					seg := cum[h][i] - cum[h][i-1]
					t := 0.0
					if seg > 0 {
						t = clampf((d-cum[h][i-1])/seg, 0, 1)
					}
					p = [2]float64{pts[h][i-1][0] + (pts[h][i][0]-pts[h][i-1][0])*t, pts[h][i-1][1] + (pts[h][i][1]-pts[h][i-1][1])*t}
					break
				}
			}
			l := from[h].Lift + (endLift-from[h].Lift)*tau + (lift-math.Max(from[h].Lift, endLift))*math.Max(0, math.Sin(math.Pi*tau))
			out[h] = Pose{U: p[0], V: p[1], Lift: clampf(l, 0, 1), Yaw: from[h].Yaw + (yaw-from[h].Yaw)*smoothstep(0, 1, tau)}
		}
		return out
	})
}

// ascentSpec describes one hand's ascent.
type ascentSpec struct {
	active  bool    // false: the hand rests where it is
	u       float64 // |u| of the centre line (sign from the hand), or exact u if exactU
	exactU  bool
	toV     float64
	circles float64 // full turns
	a, b    float64 // ellipse semi-axes (back lengths), a across, b along
	tiltE   float64 // ellipse tilt (radians)
	dir     float64 // +1 / -1 turning sense
	wobble  float64 // lateral wobble amplitude when circles == 0 (back lengths)
}

// ascent moves hands up the back with circles.
func (s *script) ascent(dur float64, spec [2]ascentSpec) {
	from := s.cur
	ph := s.uni(0, 2*math.Pi)
	s.add(dur, func(tau float64) [2]Pose {
		out := from
		for h := 0; h < 2; h++ {
			sp := spec[h]
			if !sp.active {
				a := tau * dur * 2 * math.Pi * 0.7
				out[h].U += 0.006 * math.Sin(a+float64(h))
				out[h].V += 0.004 * math.Sin(1.3*a)
				continue
			}
			targetU := sideSign(h) * sp.u
			if sp.exactU {
				targetU = sp.u
			}
			e := ease(tau, 0.12)
			cu := from[h].U + (targetU-from[h].U)*math.Min(1, 4*e)
			cv := from[h].V + (sp.toV-from[h].V)*e
			// Circle amplitude ramps in and out so the path stays continuous.
			amp := smoothstep(0, 0.1, tau) * (1 - smoothstep(0.9, 1, tau))
			var ox, oy float64
			if sp.circles > 0 {
				th := 2*math.Pi*sp.circles*ease(tau, 0.08)*sp.dir + ph
				ex, ey := sp.a*math.Cos(th), sp.b*math.Sin(th)
				c, sn := math.Cos(sp.tiltE), math.Sin(sp.tiltE)
				ox, oy = ex*c-ey*sn, ex*sn+ey*c
			} else if sp.wobble > 0 {
				ox = sp.wobble * math.Sin(2*math.Pi*0.35*tau*dur+ph)
			}
			out[h].U = cu + amp*ox*s.k
			out[h].V = cv + amp*oy
			out[h].Lift = 0
			out[h].Yaw = 0.1 * amp * math.Sin(2*math.Pi*sp.circles*tau+ph)
		}
		return out
	})
}

// goodSpec draws a good ascent for hand h.
func (s *script) goodSpec(h int) ascentSpec {
	dir := 1.0
	if h == 0 {
		dir = -1
	}
	if s.r.IntN(4) == 0 {
		dir = -dir
	}
	return ascentSpec{
		active: true, u: s.uni(0.4, 0.5), toV: topV,
		circles: 4, a: s.uni(0.043, 0.05), b: s.uni(0.043, 0.05),
		tiltE: s.uni(-0.5, 0.5), dir: dir,
	}
}

// setup brings the hands in from the frame edge (the partner's side) to the
// start of a stroke and rests them there.
func (s *script) setup(anchor [2][2]float64) {
	t0 := s.t
	if s.onBack && t0 == 0 {
		for h := 0; h < 2; h++ {
			s.cur[h] = Pose{U: sideSign(h) * startU, V: startV}
		}
		s.hold(3.1)
		s.seg("setup: hands resting on the back from the first frame", t0, nil, nil)
		return
	}
	for h := 0; h < 2; h++ {
		s.cur[h] = Pose{U: anchor[h][0]*0.8 + sideSign(h)*0.3, V: -0.85, Lift: 0.8}
	}
	var way [2][][2]float64
	for h := 0; h < 2; h++ {
		way[h] = [][2]float64{{sideSign(h) * startU, startV}}
	}
	s.path(2.6, way, 0.8, 0, 0)
	s.hold(0.5)
	s.seg("setup: hands get into place", t0, nil, nil)
}

// across and down finish a stroke after an ascent.
func (s *script) acrossDown(dur1, dur2 float64) {
	var way [2][][2]float64
	for h := 0; h < 2; h++ {
		way[h] = [][2]float64{{sideSign(h) * armU, topV + 0.01}}
	}
	s.path(dur1, way, 0, 0, 0.35)
	for h := 0; h < 2; h++ {
		way[h] = [][2]float64{{sideSign(h) * armDownU, armDownV}}
	}
	s.path(dur2, way, 0, 0, 0.1)
}

// goodStroke is an ascent with circles, across the shoulders and down the
// upper arms, judged good.
func (s *script) goodStroke() {
	t0 := s.t
	s.ascent(s.uni(7.8, 8.4), [2]ascentSpec{s.goodSpec(0), s.goodSpec(1)})
	s.acrossDown(1.6, 1.6)
	s.seg("good stroke", t0, []models.Code{models.CodeGoodStroke}, goodForbid)
}

// ret lifts the hands off the back and brings them round the outside of the
// body to (±startU, toV) without sliding down the back.
func (s *script) ret(toV float64) {
	t0 := s.t
	var way [2][][2]float64
	for h := 0; h < 2; h++ {
		sg := sideSign(h)
		midV := math.Max(0.32, toV)
		way[h] = [][2]float64{{sg * offU, midV}, {sg * startU, toV}}
	}
	s.path(3.7, way, 0.7, 0, 0)
	s.hold(0.4)
	s.seg("return off the back", t0, nil, []models.Code{models.CodeWrongDirection})
}

// rest keeps the hands still until the end.
func (s *script) restUntil(end float64) {
	if end > s.t {
		s.hold(end - s.t)
	}
}

// sample returns both hands at time t.
func (s *script) sample(t float64) [2]Pose {
	if len(s.pieces) == 0 {
		return [2]Pose{}
	}
	for _, p := range s.pieces {
		if t < p.t1 {
			return p.f(clampf((t-p.t0)/(p.t1-p.t0), 0, 1))
		}
	}
	last := s.pieces[len(s.pieces)-1]
	return last.f(1)
}
