package coach

import "math"

// oneEuro is the One Euro filter (Casiez et al. 2012) for one coordinate:
// a low-pass whose cutoff rises with speed, so slow motion is smoothed hard
// (jitter goes) and fast motion lags little.
type oneEuro struct {
	minCutoff, beta, dCutoff float64

	init  bool
	x, dx float64
	lastT float64
}

func newOneEuro(s Smoothing) oneEuro {
	return oneEuro{minCutoff: s.MinCutoff, beta: s.Beta, dCutoff: s.DCutoff}
}

func alpha(cutoff, dt float64) float64 {
	tau := 1 / (2 * math.Pi * cutoff)
	return 1 / (1 + tau/dt)
}

// filter returns the smoothed value of x observed at time t.
func (f *oneEuro) filter(t, x float64) float64 {
	if !f.init {
		f.init, f.x, f.dx, f.lastT = true, x, 0, t
		return x
	}
	dt := t - f.lastT
	if dt <= 1e-6 {
		return f.x
	}
	f.lastT = t
	dx := (x - f.x) / dt
	ad := alpha(f.dCutoff, dt)
	f.dx += ad * (dx - f.dx)
	cutoff := f.minCutoff + f.beta*math.Abs(f.dx)
	a := alpha(cutoff, dt)
	f.x += a * (x - f.x)
	return f.x
}

// movingAvg is a trailing moving average over a time window.
type movingAvg struct {
	window float64
	ts, vs []float64
	sum    float64
}

func (m *movingAvg) reset() { m.ts, m.vs, m.sum = m.ts[:0], m.vs[:0], 0 }

// push adds a value at time t and returns the mean over (t-window, t].
func (m *movingAvg) push(t, v float64) float64 {
	m.ts = append(m.ts, t)
	m.vs = append(m.vs, v)
	m.sum += v
	i := 0
	for i < len(m.ts)-1 && t-m.ts[i] >= m.window {
		i++
	}
	if i > 0 {
		m.ts = append(m.ts[:0], m.ts[i:]...)
		m.vs = append(m.vs[:0], m.vs[i:]...)
		m.sum = 0
		for _, x := range m.vs {
			m.sum += x
		}
	}
	return m.sum / float64(len(m.vs))
}

// trend is two cascaded moving averages: it removes circles (a triangular
// kernel of width 2·window) and lags by about one window.
type trend struct {
	a, b movingAvg
}

func newTrend(window float64) trend {
	return trend{a: movingAvg{window: window}, b: movingAvg{window: window}}
}

func (tr *trend) reset() { tr.a.reset(); tr.b.reset() }

func (tr *trend) push(t, v float64) float64 { return tr.b.push(t, tr.a.push(t, v)) }

// pointInPolygon reports whether (x, y) is inside the polygon (even-odd rule).
func pointInPolygon(x, y float64, poly [][2]float64) bool {
	in := false
	n := len(poly)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		xi, yi := poly[i][0], poly[i][1]
		xj, yj := poly[j][0], poly[j][1]
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}
