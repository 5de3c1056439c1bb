package coach

import (
	"math"

	"github.com/backcoach/backcoach/models"
)

// det is one palm detection in back lengths (x across, y = v).
type det struct {
	x, y     float64
	visionID int
	score    float64
}

// track is one followed hand.
type track struct {
	id        int
	visionID  int
	hits      int  // detections so far
	confirmed bool // seen often enough to be a hand (else a tentative track)
	removed   bool
	spoken    bool // the coach has said something about this hand

	lastSeen float64
	filt     oneEuro2
	x, y     float64 // smoothed, L units
	vx, vy   float64 // velocity, L/s
	u, v     float64 // smoothed back coordinates
	tu, tv   trend
	uT, vT   float64 // de-circled trend (lags about one trend window)
	prevVT   float64
	hist     []pt
	speed    float64

	onBack      bool    // smoothed position on the back
	onBackT     bool    // trend on the back
	onBackSince float64 // start of the current steady stay on the back (-1: none)
	needSettle  float64 // how long it must stay before being judged
	active      bool
	activeAt    float64

	fastSince  float64
	spineSince float64
	peak       float64
	peakOK     bool
	inZone     []bool

	minV, minT float64
	minOK      bool
	asc        *ascent

	phase     models.Phase
	lastReach bool
	lastEndT  float64
	postPeak  float64
}

// ascent is an ascent in progress.
type ascent struct {
	confirmT  float64
	minT      float64
	maxT      float64 // trend maximum so far
	maxV      float64 // highest smoothed v so far
	peakSpeed float64
	faults    map[models.Code]bool
	told      map[models.Code]bool
}

type endReason int

const (
	endTurn endReason = iota
	endLeft
	endLost
	endFinish
)

func (c *Coach) newTrack(t float64, d det) *track {
	tr := &track{id: -1, visionID: d.visionID, lastSeen: t,
		filt: newOneEuro2(c.r.Smoothing),
		tu:   newTrend(c.r.Tracking.TrendWindow), tv: newTrend(c.r.Tracking.TrendWindow),
		onBackSince: -1, fastSince: -1, spineSince: -1, phase: models.PhaseIdle,
		inZone: make([]bool, len(c.zones)), needSettle: c.r.Tracking.Settle,
		lastEndT: math.Inf(-1),
	}
	return tr
}

func (c *Coach) anyCoasting(t float64) bool {
	for _, tr := range c.tracks {
		if tr.confirmed && tr.lastSeen < t {
			return true
		}
	}
	return false
}

// promote makes tentative tracks seen often enough into hands: a lost hand
// found again (near where it was heading: the same stroke; elsewhere: lifted
// and put down), else a new hand while there is room. Otherwise it stays
// tentative: a false detection, or a hand too many.
func (c *Coach) promote(t float64) {
	tk := c.r.Tracking
	for _, tr := range append([]*track(nil), c.tracks...) {
		if tr.removed || tr.confirmed || tr.lastSeen != t || tr.hits < int(tk.ConfirmFrames) {
			continue
		}
		// A hand missed for a while and found again near where it was
		// heading: the same hand, the same stroke.
		var near *track
		nd := math.Inf(1)
		for _, o := range c.tracks {
			if !o.confirmed || o.lastSeen >= t {
				continue
			}
			pg := math.Min(t-o.lastSeen, 0.5)
			if d := math.Hypot(o.x+o.vx*pg-tr.x, o.y+o.vy*pg-tr.y); d < nd {
				near, nd = o, d
			}
		}
		if near != nil && nd < tk.Rejoin {
			for _, p := range tr.hist {
				if p.t > near.lastSeen {
					c.updateTrack(near, p.t, det{x: p.x, y: p.y, visionID: tr.visionID})
				}
			}
			c.removeTrack(tr)
			continue
		}
		// A hand lifted off (unseen for a while) and put down elsewhere keeps
		// its number; its open ascent ended where it was last seen.
		var old *track
		bd := math.Inf(1)
		for _, o := range c.tracks {
			if !o.confirmed || t-o.lastSeen < 0.3 {
				continue
			}
			if d := math.Hypot(o.x-tr.x, o.y-tr.y); d < bd {
				old, bd = o, d
			}
		}
		if old != nil {
			c.endAscent(old, old.lastSeen, old.goneReason())
			tr.confirmed, tr.id = true, old.id
			tr.needSettle = tk.Confirm
			if old.active {
				tr.active, tr.activeAt = true, t
				tr.peakOK = false
			}
			c.removeTrack(old)
			continue
		}
		// Otherwise a new hand, if there is room for one.
		n := 0
		for _, o := range c.tracks {
			if o.confirmed {
				n++
			}
		}
		if n < int(tk.MaxHands) {
			tr.confirmed = true
			tr.id = c.freeID(tr.x)
			// A hand that shows up while another was just lost is a hand put
			// back on the back after lifting off: it only needs confirming.
			if c.live && !c.paused && (t-c.lastGone <= tk.Coast+tk.Settle || c.anyCoasting(t)) {
				tr.needSettle = tk.Confirm
			}
		}
	}
}

func (c *Coach) removeTrack(x *track) {
	x.removed = true
	for i, tr := range c.tracks {
		if tr == x {
			c.tracks = append(c.tracks[:i], c.tracks[i+1:]...)
			return
		}
	}
}

func (tr *track) resetSettle() {
	tr.onBackSince = -1
	tr.fastSince, tr.spineSince = -1, -1
	tr.peakOK = false
	for i := range tr.inZone {
		tr.inZone[i] = false
	}
}

// numberBySide gives a hand that has just settled number 0 on the
// receiver's left, 1 on the right (trading numbers with the other hand, or
// taking a free one), as long as nothing was said yet under either number.
func (c *Coach) numberBySide(tr *track) {
	want := 0
	if tr.u > 0 {
		want = 1
	}
	if tr.id == want || tr.spoken {
		return
	}
	for _, o := range c.tracks {
		if o != tr && o.confirmed && o.id == want {
			if o.spoken || (o.u > 0) == (want == 1) {
				return // the other hand is where its number says
			}
			o.id, tr.id = tr.id, want
			return
		}
	}
	tr.id = want
}

// freeID picks the id for a new hand: 0 for the receiver's left side, 1 for
// the right, when free; else the lowest free one.
func (c *Coach) freeID(x float64) int {
	used := map[int]bool{}
	for _, tr := range c.tracks {
		if tr.confirmed {
			used[tr.id] = true
		}
	}
	pref := 0
	if x > 0 {
		pref = 1
	}
	if !used[pref] {
		return pref
	}
	for i := 0; ; i++ {
		if !used[i] {
			return i
		}
	}
}

// associate matches detections to tracks by position (vision's ids are only
// a tie-breaker: they swap when hands cross), updates matched tracks and
// starts or re-acquires tracks for the rest.
func (c *Coach) associate(t float64, dets []det) {
	gate := c.r.Tracking.Gate
	n, m := len(dets), len(c.tracks)
	cost := make([][]float64, n)
	for i, d := range dets {
		cost[i] = make([]float64, m)
		for j, tr := range c.tracks {
			// Constant-velocity prediction (for at most half a second).
			gap := t - tr.lastSeen
			pg := math.Min(gap, 0.5)
			dist := math.Hypot(d.x-(tr.x+tr.vx*pg), d.y-(tr.y+tr.vy*pg))
			g := gate + 0.6*math.Max(0, gap-1.0/30)
			if dist > g {
				cost[i][j] = math.Inf(1)
				continue
			}
			cost[i][j] = dist / g
			if !tr.confirmed {
				// A hand keeps its detections over a tentative track (a false
				// detection that happened to land beside it).
				cost[i][j] = 0.5 + cost[i][j]/2
			} else if d.visionID == tr.visionID {
				cost[i][j] -= 0.05
			}
		}
	}
	best := assign(cost, n, m)

	for i := 0; i < n; i++ {
		if best[i] >= 0 {
			c.updateTrack(c.tracks[best[i]], t, dets[i])
		} else if len(c.tracks) < 12 {
			tr := c.newTrack(t, dets[i])
			c.tracks = append(c.tracks, tr)
			c.updateTrack(tr, t, dets[i])
		}
	}
	c.promote(t)
}

// assign matches detections (rows) to tracks (columns) at the least total
// cost, a detection left unmatched costing 1 (Inf: not allowed). It searches
// every assignment for the usual handful, and is greedy beyond that.
func assign(cost [][]float64, n, m int) []int {
	best := make([]int, n)
	if n > 4 || m > 5 {
		for i := range best {
			best[i] = -1
		}
		usedT := make([]bool, m)
		for {
			bi, bj, bc := -1, -1, 1.0
			for i := 0; i < n; i++ {
				if best[i] >= 0 {
					continue
				}
				for j := 0; j < m; j++ {
					if !usedT[j] && cost[i][j] < bc {
						bi, bj, bc = i, j, cost[i][j]
					}
				}
			}
			if bi < 0 {
				return best
			}
			best[bi] = bj
			usedT[bj] = true
		}
	}
	cur := make([]int, n)
	bestCost := math.Inf(1)
	used := make([]bool, m)
	var search func(i int, acc float64)
	search = func(i int, acc float64) {
		if acc >= bestCost {
			return
		}
		if i == n {
			bestCost = acc
			copy(best, cur)
			return
		}
		for j := 0; j < m; j++ {
			if !used[j] && !math.IsInf(cost[i][j], 1) {
				used[j] = true
				cur[i] = j
				search(i+1, acc+cost[i][j])
				used[j] = false
			}
		}
		cur[i] = -1
		search(i+1, acc+1)
	}
	search(0, 0)
	return best
}

// updateTrack feeds one detection to a track.
func (c *Coach) updateTrack(tr *track, t float64, d det) {
	r := c.r
	tr.hits++
	gap := t - tr.lastSeen
	if gap > 0.3 && !tr.active {
		tr.onBackSince = -1 // not seen steadily
	}
	tr.lastSeen = t
	tr.visionID = d.visionID
	tr.x, tr.y = tr.filt.filter(t, d.x, d.y)
	tr.u, tr.v = tr.x*c.l/c.h, tr.y
	tr.uT = tr.tu.push(t, tr.u)
	tr.prevVT = tr.vT
	tr.vT = tr.tv.push(t, tr.v)
	tr.hist = append(tr.hist, pt{t: t, x: tr.x, y: tr.y})
	c.trimHist(tr, t)
	tr.speed = c.speedOf(tr, t)
	tr.vx, tr.vy = velocity(tr.hist, 0.1)

	tk := r.Tracking
	tr.onBack = math.Abs(tr.u) <= tk.BackUMax && tr.v >= tk.BackVMin && tr.v <= tk.BackVMax
	tr.onBackT = math.Abs(tr.uT) <= tk.BackUMax && tr.vT >= tk.BackVMin && tr.vT <= tk.BackVMax

	// Getting into place.
	if tr.confirmed && !tr.active && !c.paused {
		if tr.onBack {
			if tr.onBackSince < 0 {
				tr.onBackSince = t
			}
			if t-tr.onBackSince >= tr.needSettle-1e-9 && tr.speed <= r.Pace.SpeedLimit {
				tr.active, tr.activeAt = true, t
				c.live = true
				c.numberBySide(tr)
				tr.fastSince, tr.spineSince = -1, -1
				tr.peakOK = false
				for i := range tr.inZone {
					tr.inZone[i] = false
				}
			}
		} else {
			tr.onBackSince = -1
		}
	}
	judging := tr.active && !c.paused

	if judging {
		c.checkContinuous(tr, t)
	}
	c.segment(tr, t)
}

// trimHist keeps what an open ascent needs, and a few seconds besides.
func (c *Coach) trimHist(tr *track, t float64) {
	keepFrom := t - 4*c.r.Tracking.TrendWindow - c.r.Pace.SpeedWindow - 1
	if tr.asc != nil {
		keepFrom = math.Min(keepFrom, tr.asc.minT-3*c.r.Tracking.TrendWindow)
	} else if tr.minOK {
		// A hand resting at its lowest keeps at most a minute of path.
		keepFrom = math.Min(keepFrom, math.Max(tr.minT-3*c.r.Tracking.TrendWindow, t-60))
	}
	keepFrom = math.Max(keepFrom, t-600) // at most ten minutes of path
	i := 0
	for i < len(tr.hist) && tr.hist[i].t < keepFrom {
		i++
	}
	if i > 0 && i > len(tr.hist)/4 {
		tr.hist = append(tr.hist[:0], tr.hist[i:]...)
	}
}

// speedOf is the hand's speed smoothed over the speed window: the distance
// covered in the window divided by its length, L/s.
func (c *Coach) speedOf(tr *track, t float64) float64 {
	w := c.r.Pace.SpeedWindow
	h := tr.hist
	if len(h) < 2 {
		return 0
	}
	cur := h[len(h)-1]
	j := -1
	for i := len(h) - 2; i >= 0; i-- {
		if h[i].t <= t-w+1e-9 {
			j = i
			break
		}
	}
	if j < 0 {
		j = 0
		if cur.t-h[0].t < w/2 {
			return 0
		}
	}
	dt := cur.t - h[j].t
	if dt <= 0 {
		return 0
	}
	return math.Hypot(cur.x-h[j].x, cur.y-h[j].y) / dt
}

// checkContinuous checks what is judged frame by frame: pace, the spine,
// sliding down the back, the zones.
func (c *Coach) checkContinuous(tr *track, t float64) {
	r := c.r
	// too_fast: smoothed speed over the limit for longer than the persistence.
	if tr.onBack && tr.speed > r.Pace.SpeedLimit {
		if tr.fastSince < 0 {
			tr.fastSince = t
		}
		if t-tr.fastSince > r.Pace.TooFastPersist-1e-9 {
			c.fault(tr, t, models.CodeTooFast)
		}
	} else {
		tr.fastSince = -1
	}
	// on_spine.
	if math.Abs(tr.u) < r.Spine.UMax && tr.v > r.Spine.VMin && tr.v < r.Spine.VMax {
		if tr.spineSince < 0 {
			tr.spineSince = t
		}
		if t-tr.spineSince > r.Spine.Persist-1e-9 {
			c.fault(tr, t, models.CodeOnSpine)
		}
	} else {
		tr.spineSince = -1
	}
	// wrong_direction: the de-circled v falls by more than the drop while on
	// the back (off the back, e.g. down the arms, the peak is forgotten).
	if tr.onBackT {
		// The trend lags the hand: start from whichever is lower, so a hand
		// that slid into place before it was judged is not caught by the lag.
		if !tr.peakOK {
			tr.peak, tr.peakOK = math.Min(tr.vT, tr.v), true
		}
		if tr.vT > tr.peak && tr.vT > tr.prevVT {
			tr.peak = tr.vT
		}
		if tr.peak-tr.vT > r.WrongDirection.Drop {
			c.fault(tr, t, models.CodeWrongDirection)
			tr.peak = tr.vT
		}
	} else {
		tr.peakOK = false
	}
	// avoid_zone: entering a zone.
	for i, z := range c.zones {
		in := pointInPolygon(tr.u, tr.v, z.Points)
		if in && !tr.inZone[i] {
			c.fault(tr, t, models.CodeAvoidZone)
		}
		tr.inZone[i] = in
	}
}

// fault raises a frame-by-frame fault: it is told (debounced) and, during an
// ascent, held against the stroke.
func (c *Coach) fault(tr *track, t float64, code models.Code) {
	tr.spoken = true
	id := tr.id
	told := c.emit(t, code, &id)
	if tr.asc != nil {
		tr.asc.faults[code] = true
		if told {
			tr.asc.told[code] = true
		}
	}
}

// segment runs the stroke phases: an ascent starts when the de-circled v
// has risen AscentRise above its lowest point on the back, and ends when it
// falls TurnDrop below its highest (the hand turned back), or when the hand
// leaves the back or is lost. The gaps between the two thresholds are the
// hysteresis that keeps jitter from splitting or doubling a stroke.
func (c *Coach) segment(tr *track, t float64) {
	tk := c.r.Tracking
	if tr.asc == nil {
		if tr.onBackT {
			if !tr.minOK || tr.vT <= tr.minV {
				tr.minV, tr.minT, tr.minOK = tr.vT, t, true
			}
			if tr.vT-tr.minV >= tk.AscentRise {
				tr.asc = &ascent{confirmT: t, minT: tr.minT, maxT: tr.vT,
					faults: map[models.Code]bool{}, told: map[models.Code]bool{}}
				tr.phase = models.PhaseAscent
			}
		} else {
			tr.minOK = false
		}
		if tr.asc == nil {
			tr.phase = models.PhaseIdle
			if tr.lastReach && t-tr.lastEndT < 8 {
				if tr.v > tr.postPeak {
					tr.postPeak = tr.v
				}
				tr.phase = models.PhaseAcross
				if tr.postPeak-tr.v > tk.TurnDrop/2 {
					tr.phase = models.PhaseDown
				}
			}
		}
		return
	}
	a := tr.asc
	if tr.speed > a.peakSpeed && tr.onBack {
		a.peakSpeed = tr.speed
	}
	if tr.v > a.maxV {
		a.maxV = tr.v
	}
	// For display: at the shoulders and moving out, the hand is across
	// before the (lagging) trend ends the ascent.
	tr.phase = models.PhaseAscent
	if a.maxV >= c.r.Shoulders.VMin && math.Abs(tr.u) > c.r.Side.UMax {
		tr.phase = models.PhaseAcross
	}
	if tr.vT > a.maxT {
		a.maxT = tr.vT
	}
	switch {
	case !tr.onBackT:
		c.endAscent(tr, t, endLeft)
	case tr.vT < a.maxT-tk.TurnDrop:
		c.endAscent(tr, t, endTurn)
	}
}

// endAscent closes the open ascent of a track and judges it.
func (c *Coach) endAscent(tr *track, t float64, why endReason) {
	a := tr.asc
	if a == nil {
		return
	}
	tr.asc = nil
	tr.minOK = false
	tr.phase = models.PhaseIdle
	if !tr.active || c.paused {
		return
	}
	st, ok := c.judge(tr, a, t, why)
	if !ok {
		return
	}
	tr.lastReach = !contains(st.Verdicts, models.CodeReachShoulders)
	tr.lastEndT = st.End
	tr.postPeak = tr.v
	if tr.lastReach {
		tr.phase = models.PhaseAcross
	}
	tr.spoken = true
	c.strokes = append(c.strokes, st)
	c.pendStrokes = append(c.pendStrokes, st)
	id := tr.id
	for _, code := range st.Verdicts {
		if a.told[code] {
			continue // already said during the ascent
		}
		c.emit(st.End, code, &id)
	}
}

func contains(cs []models.Code, c models.Code) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// judge measures a finished ascent on its recorded path and checks it
// against the routine. ok is false when it was no stroke at all (too small a
// rise, or a video that ended mid-stroke).
func (c *Coach) judge(tr *track, a *ascent, t float64, why endReason) (models.Stroke, bool) {
	r := c.r
	w := r.Tracking.TrendWindow
	lo := a.minT - 2*w
	var seg []pt
	for _, p := range tr.hist {
		if p.t >= lo && p.t <= t+1e-9 {
			seg = append(seg, p)
		}
	}
	// The ascent cannot have begun before the hand was last off the back,
	// nor before it last rested at the lower back (put in place, then still
	// for 0.4 s: what came before was getting into place).
	from, j := 0, 0
	tk := r.Tracking
	iHigh := 0
	for i := range seg {
		if seg[i].y > seg[iHigh].y {
			iHigh = i
		}
	}
	for i := 0; i <= iHigh; i++ {
		if u := seg[i].x * c.l / c.h; seg[i].t <= a.confirmT && (math.Abs(u) > tk.BackUMax || seg[i].y < tk.BackVMin || seg[i].y > tk.BackVMax) {
			from = i + 1
		}
		for seg[j].t < seg[i].t-0.4 {
			j++
		}
		if seg[i].y <= r.Start.VMax && seg[i].t-seg[j].t >= 0.35 && math.Hypot(seg[i].x-seg[j].x, seg[i].y-seg[j].y) < 0.012 {
			from = max(from, i)
		}
	}
	if len(seg)-from >= 8 {
		seg = seg[from:]
	}
	if len(seg) < 8 {
		return models.Stroke{}, false
	}
	// First cut with the trend window, then again with a window of one
	// circle period, which takes the circles out of the drift exactly.
	iS, iE, startV, topV := cut(seg, w, 0.02, r.Shoulders.VMin, a.confirmT)
	if topV-startV < r.Tracking.AscentMinRise {
		return models.Stroke{}, false
	}
	// The circles come out of the drift exactly with a window of one circle
	// period; cut again with it, and count the circles of the ascent and of
	// the half period either side of it (the first and last circles).
	circ := countCircles(seg[iS:iE+1], r.Circles.RadiusMin, r.Circles.RadiusMax, w)
	cw := w // the window that takes the circles out
	if per, ok := estimatePeriod(seg[iS:iE+1], r.Circles.RadiusMin); ok {
		cw = per
		iS, iE, startV, topV = cut(seg, per, 0.02+circ.Radius/2, r.Shoulders.VMin, a.confirmT)
		ja, jb := iS, iE
		for ja > 0 && seg[ja-1].t >= seg[iS].t-per {
			ja--
		}
		for jb < len(seg)-1 && seg[jb+1].t <= seg[iE].t+per {
			jb++
		}
		circ = countCircles(seg[ja:jb+1], r.Circles.RadiusMin, r.Circles.RadiusMax, per)
	}
	// The pace of the ascent is timed on the middle of its rise (10 % to
	// 90 %), where smoothing does not blur it, and extended to the whole.
	start, end := seg[iS].t, seg[iE].t
	if i10, i90, ok := risePoints(centres(seg, cw)[iS:], startV, topV); ok {
		d := (seg[iS+i90].t - seg[iS+i10].t) / 0.8
		start = math.Max(seg[iS+i10].t-0.1*d, seg[0].t)
		end = math.Min(seg[iS+i90].t+0.1*d, seg[len(seg)-1].t)
	}
	maxV := math.Inf(-1)
	for i := iS; i < len(seg); i++ {
		if seg[i].t > end+w {
			break
		}
		maxV = math.Max(maxV, seg[i].y)
	}
	reached := maxV >= r.Shoulders.VMin
	if (why == endFinish || why == endLost) && !reached {
		// The video ended, or the hand vanished, mid-stroke: a hand lifted
		// off stays in view, so a vanished one is a tracking gap, not a
		// stroke stopped short.
		return models.Stroke{}, false
	}
	// A stroke starts only once the hand has settled: one already under way
	// then was the hand getting into place (or a start the coach did not
	// see), and is not judged.
	if start < tr.activeAt-0.5 {
		return models.Stroke{}, false
	}
	// Nor is one whose start the coach did not see: the hand must have been
	// followed without a break for a moment before it.
	if !seenBefore(tr.hist, start, 0.1, 0.3) {
		return models.Stroke{}, false
	}
	// A stroke the hand was seen too little of is not judged: better say
	// nothing than something wrong.
	if c.frameDT > 0 && end > start {
		n := 0
		for _, p := range seg {
			if p.t >= start && p.t <= end {
				n++
			}
		}
		if float64(n) < tk.MinCoverage*((end-start)/c.frameDT+1) {
			return models.Stroke{}, false
		}
	}
	// A stroke that covers only part of the way (started high or stopped
	// short) is held to its share of the time and circles, so that one fault
	// is not reported as three.
	top := math.Min(maxV, r.Shoulders.VMin)
	frac := (top - math.Max(startV, 0)) / (r.Shoulders.VMin - r.Start.VMax)
	frac = math.Max(0, math.Min(1, frac))

	var v []models.Code
	if startV > r.Start.VMax {
		v = append(v, models.CodeStartLow)
	}
	if !reached {
		v = append(v, models.CodeReachShoulders)
	}
	if a.faults[models.CodeTooFast] || end-start < r.Pace.MinAscent*frac-1e-9 {
		v = append(v, models.CodeTooFast)
	}
	if r.Circles.MinCount > 0 && circ.Revs+0.25 < r.Circles.MinCount*frac {
		v = append(v, models.CodeNoCircles)
	}
	if a.faults[models.CodeOnSpine] {
		v = append(v, models.CodeOnSpine)
	}
	if a.faults[models.CodeAvoidZone] {
		v = append(v, models.CodeAvoidZone)
	}
	if len(v) == 0 {
		v = []models.Code{models.CodeGoodStroke}
	}
	return models.Stroke{
		Start:     round3(start),
		End:       round3(end),
		Hand:      tr.id,
		Circles:   int(math.Floor(circ.Revs + 0.25)),
		PeakSpeed: round3(a.peakSpeed),
		Verdicts:  v,
	}, true
}

// cut finds an ascent on a path: the bottom (lowest de-circled point before
// the top) and the top (highest de-circled point), and the indexes of the
// last moment near the bottom and the first moment near the top.
//
// The top counts as reached at shoulder height (vTop) even if the hand goes
// on rising across the shoulders.
func cut(seg []pt, window, eps, vTop, confirmT float64) (iS, iE int, startV, topV float64) {
	cen := centres(seg, window)
	// The bottom is the lowest point before the ascent was recognised, the
	// top the highest after the bottom.
	iBot := 0
	for i := range cen {
		if cen[i].t > confirmT {
			break
		}
		if cen[i].y < cen[iBot].y {
			iBot = i
		}
	}
	iTop := iBot
	for i := iBot; i < len(cen); i++ {
		if cen[i].y > cen[iTop].y {
			iTop = i
		}
	}
	startV, topV = cen[iBot].y, cen[iTop].y
	iS = iBot
	for i := iBot; i <= iTop; i++ {
		if cen[i].y <= startV+eps {
			iS = i
		}
	}
	iE = iTop
	for i := iS; i <= iTop; i++ {
		if cen[i].y >= math.Min(topV-eps, vTop) {
			iE = i
			break
		}
	}
	return iS, iE, startV, topV
}

// risePoints finds where the de-circled path first passes 10 % and 90 % of
// its rise from startV to topV.
func risePoints(cen []pt, startV, topV float64) (i10, i90 int, ok bool) {
	rise := topV - startV
	i10, i90 = -1, -1
	for i := range cen {
		if i10 < 0 && cen[i].y >= startV+0.1*rise {
			i10 = i
		}
		if i90 < 0 && cen[i].y >= startV+0.9*rise {
			i90 = i
			break
		}
	}
	return i10, i90, i10 >= 0 && i90 > i10
}

// velocity is the mean velocity of a path over its last span seconds.
func velocity(h []pt, span float64) (vx, vy float64) {
	if len(h) < 2 {
		return 0, 0
	}
	cur := h[len(h)-1]
	j := len(h) - 2
	for j > 0 && cur.t-h[j].t < span {
		j--
	}
	dt := cur.t - h[j].t
	if dt <= 0 || dt > 1 {
		return 0, 0
	}
	return (cur.x - h[j].x) / dt, (cur.y - h[j].y) / dt
}

// seenBefore reports whether a path was followed from lead seconds before t
// up to t, with no gap longer than maxGap in between.
func seenBefore(h []pt, t, lead, maxGap float64) bool {
	if len(h) == 0 || h[0].t > t-lead {
		return false
	}
	prev := h[0].t
	for _, p := range h {
		if p.t > t {
			break
		}
		if p.t >= t-lead && p.t-prev > maxGap {
			return false
		}
		prev = p.t
	}
	return true
}

// goneReason says how a hand that is no longer seen ended its ascent: it
// left the back if it was last seen off it, else it was lost.
func (tr *track) goneReason() endReason {
	if !tr.onBack {
		return endLeft
	}
	return endLost
}
