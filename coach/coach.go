package coach

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/backcoach/backcoach/models"
)

// ErrDebounced is returned (wrapped) by Receiver when the same button was
// pressed again within the debounce period; the feedback is not recorded.
var ErrDebounced = errors.New("repeated within the debounce period")

// Coach follows the hands of one session and judges their strokes. It is
// not safe for concurrent use: call it from one goroutine.
type Coach struct {
	r    *Routine
	back models.Back
	ok   bool    // back geometry can map points
	l, h float64 // back length and half width, px

	zones []models.Zone

	tracks []*track

	started       bool
	t0, lastT     float64
	frames        int
	frameDT       float64 // typical time between frames
	live          bool    // a hand has been judged since the last reset
	lastSeenAny   float64 // last time any hand was seen
	lastGone      float64 // last time a track went unseen
	paused        bool
	finished      bool
	lostTold      bool
	leftCov       float64
	rightCov      float64
	strokes       []models.Stroke
	feedback      []models.Feedback
	lastCode      map[debounceKey]float64
	pendStrokes   []models.Stroke
	pendFeedback  []models.Feedback
	finishedAtEnd float64
}

type debounceKey struct {
	code models.Code
	hand int
}

// New makes a coach for a routine (nil: the default routine) and a
// calibrated back.
func New(r *Routine, back models.Back) *Coach {
	if r == nil {
		r = DefaultRoutine()
	}
	c := &Coach{r: r, back: back, lastCode: map[debounceKey]float64{}}
	c.ok = back.Valid()
	if c.ok {
		c.l, c.h = back.Length(), back.HalfWidth
	}
	c.lastGone = math.Inf(-1)
	return c
}

// Routine returns the routine the coach judges by.
func (c *Coach) Routine() *Routine { return c.r }

// SetZones sets the areas to avoid, polygons in (u, v).
func (c *Coach) SetZones(z []models.Zone) {
	c.zones = nil
	for _, zone := range z {
		if len(zone.Points) >= 3 {
			c.zones = append(c.zones, zone)
		}
	}
	for _, tr := range c.tracks {
		tr.inZone = make([]bool, len(c.zones))
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Observe takes the hands vision saw in one frame (frames in order) and
// returns the hands in back coordinates with their smoothed speed and phase,
// the strokes finished and the feedback raised in this frame.
//
// Hands are numbered by the coach, not by vision: 0 for the one that settles
// on the receiver's left, 1 on the right; a hand keeps its number while
// lifted off and put down again. A detection is reported
// as a hand from its third sighting on. A stroke is judged when its ascent is
// over (turned back, left the back, or lost), which the smoothing lets the
// coach see about a second later; its feedback is dated at the end of the
// ascent, so a frame's feedback may carry a time a little before the frame's.
// Frames out of order, repeated or with a non-finite time are ignored.
func (c *Coach) Observe(obs models.FrameObs) models.Update {
	up := models.Update{T: obs.T, Index: obs.Index, Phase: models.PhaseIdle, Hands: []models.HandState{}}
	t := obs.T
	if !finite(t) || (c.started && t <= c.lastT) || c.finished {
		// Out of order or repeated frames are ignored.
		return up
	}
	dt := 0.0
	if !c.started {
		c.started, c.t0 = true, t
		c.lastSeenAny = t
	} else {
		dt = math.Min(t-c.lastT, 0.25)
	}
	c.lastT = t
	c.frames++
	if dt > 0 {
		if c.frameDT == 0 {
			c.frameDT = dt
		}
		c.frameDT += 0.05 * (dt - c.frameDT)
	}
	if !c.ok {
		for _, hd := range obs.Hands {
			if finite(hd.X) && finite(hd.Y) {
				up.Hands = append(up.Hands, models.HandState{ID: hd.ID, X: hd.X, Y: hd.Y, Phase: models.PhaseIdle})
			}
		}
		return up
	}

	dets := make([]det, 0, len(obs.Hands))
	for _, hd := range obs.Hands {
		if !finite(hd.X) || !finite(hd.Y) || math.Abs(hd.X) > 1e7 || math.Abs(hd.Y) > 1e7 {
			continue
		}
		u, v := c.back.UV(hd.Pos())
		dets = append(dets, det{x: u * c.h / c.l, y: v, visionID: hd.ID, score: hd.Score})
	}
	if len(dets) > 6 {
		sort.SliceStable(dets, func(i, j int) bool { return dets[i].score > dets[j].score })
		dets = dets[:6]
	}
	c.associate(t, dets)

	// Expire tracks unseen for too long; their open ascents end where they
	// were last seen.
	kept := c.tracks[:0]
	for _, tr := range c.tracks {
		if !tr.confirmed && t-tr.lastSeen > 0.2 {
			continue // a tentative track not seen again
		}
		if t-tr.lastSeen > c.r.Tracking.Coast {
			c.endAscent(tr, tr.lastSeen, tr.goneReason())
			c.lastGone = tr.lastSeen
			continue
		}
		kept = append(kept, tr)
	}
	c.tracks = kept

	seen := 0
	for _, tr := range c.tracks {
		if tr.lastSeen != t || !tr.confirmed {
			continue
		}
		seen++
		if tr.active && tr.onBack && dt > 0 {
			a := math.Abs(tr.u)
			if a >= c.r.Side.UMin && a <= c.r.Side.UMax {
				if tr.u < 0 {
					c.leftCov += dt
				} else {
					c.rightCov += dt
				}
			}
		}
		x, y := c.back.Point(tr.u, tr.v).X, c.back.Point(tr.u, tr.v).Y
		up.Hands = append(up.Hands, models.HandState{
			ID: tr.id, X: x, Y: y, U: tr.u, V: tr.v, Speed: tr.speed, Phase: tr.phase,
		})
	}
	sort.Slice(up.Hands, func(i, j int) bool { return up.Hands[i].ID < up.Hands[j].ID })
	up.Phase = overallPhase(up.Hands)

	if seen > 0 {
		c.lastSeenAny = t
		c.lostTold = false
	} else if c.live && !c.paused && !c.lostTold && t-c.lastSeenAny > c.r.HandsLost.After {
		c.emit(t, models.CodeHandsLost, nil)
		c.lostTold = true
		c.live = false
	}
	up.Strokes, up.Feedback = c.pendStrokes, c.pendFeedback
	c.pendStrokes, c.pendFeedback = nil, nil
	return up
}

func overallPhase(hs []models.HandState) models.Phase {
	rank := map[models.Phase]int{models.PhaseIdle: 0, models.PhaseDown: 1, models.PhaseAcross: 2, models.PhaseAscent: 3}
	best := models.PhaseIdle
	for _, h := range hs {
		if rank[h.Phase] > rank[best] {
			best = h.Phase
		}
	}
	return best
}

// emit records feedback unless the same code was given for the same hand
// within the debounce period; it reports whether it was given.
func (c *Coach) emit(t float64, code models.Code, hand *int) bool {
	k := debounceKey{code: code, hand: -1}
	if hand != nil {
		k.hand = *hand
	}
	if last, ok := c.lastCode[k]; ok && t-last < c.r.Debounce-1e-9 {
		return false
	}
	c.lastCode[k] = t
	fb := models.Feedback{T: t, Code: code, Message: code.Message()}
	if hand != nil {
		h := *hand
		fb.Hand = &h
	}
	c.record(fb)
	return true
}

// record keeps feedback in time order (a stroke's verdicts are dated at the
// end of its ascent, which may be a moment before frame-by-frame faults told
// in the meantime) and passes it to the current update.
func (c *Coach) record(fb models.Feedback) {
	i := len(c.feedback)
	for i > 0 && c.feedback[i-1].T > fb.T {
		i--
	}
	c.feedback = append(c.feedback, models.Feedback{})
	copy(c.feedback[i+1:], c.feedback[i:])
	c.feedback[i] = fb
	c.pendFeedback = append(c.pendFeedback, fb)
}

// Receiver takes a button of the receiver's remote: lighter, firmer, stop
// (pauses judging) or resume (judging starts again once the hands have
// settled). resume gives a Feedback with an empty Code that is not recorded.
func (c *Coach) Receiver(t float64, action string) (models.Feedback, error) {
	if !finite(t) {
		return models.Feedback{}, fmt.Errorf("receiver %q: time %v is not a number", action, t)
	}
	switch action {
	case "lighter", "firmer":
		code := models.Code(action)
		fb := models.Feedback{T: t, Code: code, Message: code.Message()}
		if !c.emit(t, code, nil) {
			return fb, fmt.Errorf("receiver %q at %.2f s: %w", action, t, ErrDebounced)
		}
		return fb, nil
	case "stop":
		c.paused = true
		for _, tr := range c.tracks {
			tr.asc = nil
			tr.active = false
			tr.resetSettle()
		}
		fb := models.Feedback{T: t, Code: models.CodeStop, Message: models.CodeStop.Message()}
		c.record(fb)
		c.lastCode[debounceKey{code: models.CodeStop, hand: -1}] = t
		return fb, nil
	case "resume":
		c.paused = false
		c.live = false
		for _, tr := range c.tracks {
			tr.active = false
			tr.asc, tr.minOK = nil, false // nothing begun while paused is judged
			tr.resetSettle()
		}
		return models.Feedback{T: t, Message: "Resuming — carry on slowly when you are both ready."}, nil
	}
	return models.Feedback{}, fmt.Errorf("receiver action %q: want lighter, firmer, stop or resume", action)
}

// Paused reports whether the receiver asked to stop (and has not resumed).
func (c *Coach) Paused() bool { return c.paused }

// Finish closes what is still open at the end of a video: an ascent that
// has reached the shoulders is judged, one that has not is dropped (the video
// ended mid-stroke). It returns the strokes and feedback this produced.
func (c *Coach) Finish(t float64) models.Update {
	up := models.Update{T: t, Index: c.frames, Phase: models.PhaseIdle, Hands: []models.HandState{}}
	if c.finished {
		return up
	}
	if !finite(t) || t < c.lastT {
		t = c.lastT
	}
	for _, tr := range c.tracks {
		c.endAscent(tr, tr.lastSeen, endFinish)
	}
	c.finished = true
	c.finishedAtEnd = t
	up.Strokes, up.Feedback = c.pendStrokes, c.pendFeedback
	c.pendStrokes, c.pendFeedback = nil, nil
	return up
}

// Strokes returns every stroke judged so far, in the order they were
// judged. A stroke runs from the start of its ascent to its top.
func (c *Coach) Strokes() []models.Stroke { return append([]models.Stroke(nil), c.strokes...) }

// Feedback returns every feedback given so far, in time order.
func (c *Coach) Feedback() []models.Feedback { return append([]models.Feedback(nil), c.feedback...) }

// Summary sums up the session so far: duration, strokes, good strokes,
// the number of times each code was told (good_stroke is counted in
// GoodStrokes instead), a line of advice naming the most frequent fault, and
// the time the hands spent working each side of the back (|u| within the
// side band).
func (c *Coach) Summary() models.Summary {
	s := models.Summary{Codes: map[models.Code]int{}}
	if c.started {
		end := c.lastT
		if c.finished && c.finishedAtEnd > end {
			end = c.finishedAtEnd
		}
		s.Duration = round3(end - c.t0)
	}
	faults := map[models.Code]int{}
	for _, st := range c.strokes {
		s.Strokes++
		if st.Good() {
			s.GoodStrokes++
			continue
		}
		for _, v := range st.Verdicts {
			faults[v]++
		}
	}
	for _, fb := range c.feedback {
		if fb.Code != models.CodeGoodStroke && fb.Code != "" {
			s.Codes[fb.Code]++
		}
	}
	// The advice names the most frequent fault: in strokes' verdicts first,
	// then in what was told (wrong_direction and hands_lost are only told).
	best, bestN := models.Code(""), 0
	for _, code := range models.AllCodes {
		n := faults[code]*10 + s.Codes[code]
		if code.Advice() != "" && n > bestN {
			best, bestN = code, n
		}
	}
	switch {
	case s.Strokes == 0 && best == "":
		s.Advice = "No strokes yet: start at the lower back and move slowly up to the shoulders, circling."
	case s.Strokes == 0:
		s.Advice = "No complete strokes yet; " + best.Advice() + "."
	case best == "":
		s.Advice = fmt.Sprintf("%d of %d strokes were good; keep that slow, circling rhythm.", s.GoodStrokes, s.Strokes)
	default:
		s.Advice = fmt.Sprintf("%d of %d strokes were good; %s.", s.GoodStrokes, s.Strokes, best.Advice())
	}
	s.Coverage = &models.CoverageStats{LeftSeconds: round3(c.leftCov), RightSeconds: round3(c.rightCov)}
	return s
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
