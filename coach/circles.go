package coach

import (
	"math"
	"sort"
)

// pt is a smoothed palm position at a time, in back lengths: x across
// (u·H/L, positive to the receiver's right), y up the back (v).
type pt struct {
	t, x, y float64
}

// circleResult is what circle counting found on one ascent.
type circleResult struct {
	// Revs is the number of full circles of an accepted radius (fractional:
	// the last, unfinished one counts by how far it got).
	Revs float64
	// Radius is the median distance from the moving centre, L.
	Radius float64
}

// centres returns the centred moving average of the path over a window: the
// path with its circles taken out (the drift up the back).
func centres(p []pt, window float64) []pt {
	out := make([]pt, len(p))
	lo, hi := 0, 0
	var sx, sy float64
	for i := range p {
		for hi < len(p) && p[hi].t <= p[i].t+window/2 {
			sx += p[hi].x
			sy += p[hi].y
			hi++
		}
		for lo < hi && p[lo].t < p[i].t-window/2 {
			sx -= p[lo].x
			sy -= p[lo].y
			lo++
		}
		n := float64(hi - lo)
		out[i] = pt{t: p[i].t, x: sx / n, y: sy / n}
	}
	return out
}

// countCircles counts the circles of a path by the winding angle of the
// path around its moving centre (the path less its drift). It turns either
// way, copes with ellipses, and ignores loops whose mean radius is outside
// [rMin, rMax] (jitter below, big sweeps above).
func countCircles(p []pt, rMin, rMax, window float64) circleResult {
	if len(p) < 8 {
		return circleResult{}
	}
	first := wind(p, centres(p, window), rMin, rMax)
	// Second pass: a centring window of one circle period takes the circles
	// out of the centre exactly.
	if first.turns >= 1 {
		dur := p[len(p)-1].t - p[0].t
		period := dur / first.turns
		period = math.Max(0.3, math.Min(period, 3*window))
		if math.Abs(period-window) > 0.05 {
			second := wind(p, centres(p, period), rMin, rMax)
			return second.result()
		}
	}
	return first.result()
}

type winding struct {
	turns  float64 // total |winding| / 2π, all radii
	revs   float64 // accepted revolutions
	radius float64
}

func (w winding) result() circleResult { return circleResult{Revs: w.revs, Radius: w.radius} }

func wind(p, c []pt, rMin, rMax float64) winding {
	floor := rMin * 0.4
	var (
		cum, mark float64
		havePrev  bool
		prev      float64
		sumR      float64
		nR        int
		revs      float64
		radii     []float64
	)
	for i := range p {
		dx, dy := p[i].x-c[i].x, p[i].y-c[i].y
		r := math.Hypot(dx, dy)
		if r < floor {
			havePrev = false
			continue
		}
		radii = append(radii, r)
		a := math.Atan2(dy, dx)
		if havePrev {
			d := a - prev
			for d > math.Pi {
				d -= 2 * math.Pi
			}
			for d < -math.Pi {
				d += 2 * math.Pi
			}
			cum += d
			sumR += r
			nR++
			if math.Abs(cum-mark) >= 2*math.Pi {
				mean := sumR / float64(nR)
				if mean >= rMin && mean <= rMax {
					revs++
				}
				mark = cum
				sumR, nR = 0, 0
			}
		}
		prev, havePrev = a, true
	}
	if nR > 0 {
		mean := sumR / float64(nR)
		if mean >= rMin && mean <= rMax {
			revs += math.Abs(cum-mark) / (2 * math.Pi)
		}
	}
	w := winding{turns: math.Abs(cum) / (2 * math.Pi), revs: revs}
	if len(radii) > 0 {
		sort.Float64s(radii)
		w.radius = radii[len(radii)/2]
	}
	return w
}
