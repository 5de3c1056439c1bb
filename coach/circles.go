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

// centres returns the path's drift: at each point, a straight line fitted
// over a centred window (local linear regression), which takes the circles
// out of the path and, unlike a plain mean, stays unbiased near the ends.
func centres(p []pt, window float64) []pt {
	out := make([]pt, len(p))
	lo, hi := 0, 0
	var n, st, stt, sx, sy, stx, sty float64
	t0 := 0.0
	if len(p) > 0 {
		t0 = p[0].t
	}
	add := func(q pt, k float64) {
		q.t -= t0
		n += k
		st += k * q.t
		stt += k * q.t * q.t
		sx += k * q.x
		sy += k * q.y
		stx += k * q.t * q.x
		sty += k * q.t * q.y
	}
	for i := range p {
		for hi < len(p) && p[hi].t <= p[i].t+window/2 {
			add(p[hi], 1)
			hi++
		}
		for lo < hi && p[lo].t < p[i].t-window/2 {
			add(p[lo], -1)
			lo++
		}
		ti := p[i].t - t0
		mt := st / n
		den := stt/n - mt*mt
		cx, cy := sx/n, sy/n
		if den > 1e-9 && hi-lo >= 3 {
			bx := (stx/n - mt*cx) / den
			by := (sty/n - mt*cy) / den
			cx += bx * (ti - mt)
			cy += by * (ti - mt)
		}
		out[i] = pt{t: p[i].t, x: cx, y: cy}
	}
	return out
}

// countCircles counts the circles of a path by the winding angle of the
// path around its drift (the path less a local straight-line fit over one
// circle period). It turns either way, copes with ellipses, and ignores loops
// whose mean radius is outside [rMin, rMax] (jitter below, big sweeps
// above). window is the drift window used when no period can be estimated.
func countCircles(p []pt, rMin, rMax, window float64) circleResult {
	if len(p) < 8 {
		return circleResult{}
	}
	if per, ok := estimatePeriod(p, rMin); ok {
		window = per
	}
	return wind(p, centres(p, window), rMin, rMax).result()
}

// estimatePeriod estimates the circle period from the swings of the path
// about its slow drift, across or along the back, whichever swings more
// (a narrow ellipse may swing less than rMin one way). Swings smaller than
// rMin are ignored.
func estimatePeriod(p []pt, rMin float64) (float64, bool) {
	c := centres(p, 2.5)
	xs := make([]float64, len(p))
	ys := make([]float64, len(p))
	for i := range p {
		xs[i], ys[i] = p[i].x-c[i].x, p[i].y-c[i].y
	}
	best, bestHalf := 0.0, 0
	for _, d := range [][]float64{xs, ys} {
		if per, half := swings(p, d, 1.5*rMin); half > bestHalf {
			best, bestHalf = per, half
		}
	}
	if bestHalf < 3 {
		return 0, false
	}
	return math.Max(0.3, math.Min(best, 3)), true
}

// swings counts the half swings of d (turns by more than h) after a light
// smoothing, and the period they imply (twice the median half swing, so a
// few jitter turns do not shorten it).
func swings(p []pt, d []float64, h float64) (period float64, half int) {
	sm := make([]float64, len(d))
	lo, hi, sum := 0, 0, 0.0
	for i := range d {
		for hi < len(d) && p[hi].t <= p[i].t+0.075 {
			sum += d[hi]
			hi++
		}
		for lo < hi && p[lo].t < p[i].t-0.075 {
			sum -= d[lo]
			lo++
		}
		sm[i] = sum / float64(hi-lo)
	}
	var turns []float64
	dir := 0
	ext := sm[0]
	for i := range sm {
		x := sm[i]
		switch {
		case dir >= 0 && x > ext:
			ext = x
			if dir == 0 && x-sm[0] > h {
				dir = 1
			}
		case dir <= 0 && x < ext:
			ext = x
			if dir == 0 && sm[0]-x > h {
				dir = -1
			}
		}
		if dir == 1 && ext-x > h || dir == -1 && x-ext > h {
			turns = append(turns, p[i].t)
			dir = -dir
			ext = x
		}
	}
	half = len(turns)
	if half < 2 {
		return 0, half
	}
	gaps := make([]float64, 0, half-1)
	for i := 1; i < half; i++ {
		gaps = append(gaps, turns[i]-turns[i-1])
	}
	sort.Float64s(gaps)
	return 2 * gaps[len(gaps)/2], half
}

type winding struct {
	turns  float64 // total |winding| / 2π, all radii
	revs   float64 // accepted revolutions
	radius float64
}

func (w winding) result() circleResult { return circleResult{Revs: w.revs, Radius: w.radius} }

// wind measures the winding of a path around its centres: the largest net
// turn over any stretch of it (so a stray back-turn where the drift bends at
// either end does not cancel a circle), counting only points farther from
// the centre than a jitter floor. Circles whose median radius is outside
// [rMin, rMax] do not count.
func wind(p, c []pt, rMin, rMax float64) winding {
	floor := rMin * 0.4
	var (
		cum, lo, hi, best float64
		havePrev          bool
		prev              float64
		radii             []float64
	)
	for i := range p {
		dx, dy := p[i].x-c[i].x, p[i].y-c[i].y
		r := math.Hypot(dx, dy)
		if r < floor {
			havePrev = false
			continue
		}
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
			radii = append(radii, r)
			lo, hi = math.Min(lo, cum), math.Max(hi, cum)
			best = math.Max(best, math.Max(cum-lo, hi-cum))
		}
		prev, havePrev = a, true
	}
	w := winding{turns: best / (2 * math.Pi), revs: best / (2 * math.Pi)}
	if len(radii) > 0 {
		sort.Float64s(radii)
		w.radius = radii[len(radii)/2]
	}
	if w.radius < rMin || w.radius > rMax {
		w.revs = 0
	}
	return w
}
