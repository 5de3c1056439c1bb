package coach

import "math"

func alpha(cutoff, dt float64) float64 {
	tau := 1 / (2 * math.Pi * cutoff)
	return 1 / (1 + tau/dt)
}

// oneEuro2 is the One Euro filter for a point: both coordinates share one
// cutoff, raised by the smoothed speed of the point (not of each axis, which
// would read a circling hand as slow and flatten its circles).
type oneEuro2 struct {
	minCutoff, beta, dCutoff float64

	init        bool
	x, y, speed float64
	lastT       float64
}

func newOneEuro2(s Smoothing) oneEuro2 {
	return oneEuro2{minCutoff: s.MinCutoff, beta: s.Beta, dCutoff: s.DCutoff}
}

// filter returns the smoothed point of (x, y) observed at time t.
func (f *oneEuro2) filter(t, x, y float64) (float64, float64) {
	if !f.init {
		f.init, f.x, f.y, f.speed, f.lastT = true, x, y, 0, t
		return x, y
	}
	dt := t - f.lastT
	if dt <= 1e-6 {
		return f.x, f.y
	}
	f.lastT = t
	raw := math.Hypot(x-f.x, y-f.y) / dt
	f.speed += alpha(f.dCutoff, dt) * (raw - f.speed)
	a := alpha(f.minCutoff+f.beta*f.speed, dt)
	f.x += a * (x - f.x)
	f.y += a * (y - f.y)
	return f.x, f.y
}

// movingAvg is a trailing moving average over a time window.
type movingAvg struct {
	window float64
	ts, vs []float64
	sum    float64
}

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
