package vision

import (
	"errors"
	"fmt"
	"image"
	"math"
	"sort"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision/handmodel"
	"gocv.io/x/gocv"
)

// HybridTracker follows palms with the classic tracker's motion proposals and
// MediaPipe's hand models:
//   - the landmark model verifies and refines every hand: a hand is kept
//     while its presence score stays above MinPresence, and its palm centre
//     is the middle of the palm, halfway from the wrist (landmark 0) to the
//     middle-finger knuckle (9); a fit to part of a hand (a squashed palm,
//     a hand far smaller than expected: the fingers of a hand coming in
//     over the frame's edge) keeps the hand but moves neither its palm nor
//     the size of its crop;
//   - each followed hand gets its next region of interest from its own
//     landmarks (as in MediaPipe), so it is followed without the detector;
//   - the palm detector finds hands that are on the back from the first
//     frame and re-finds a hand whose track was lost;
//   - the classic tracker's arm-end proposals point the landmark model at a
//     hand that enters the frame before the detector runs again;
//   - between landmark passes sparse optical flow carries each hand (its
//     palm's corners move with it), so a settled hand needs a landmark
//     pass only every LandmarkEvery frames; a hand the flow loses is
//     predicted with constant velocity and looked at again at once;
//   - while both hands are followed the classic tracker rests (it only
//     keeps its background fresh), the detector backs off while it finds
//     nothing, and a proposal that holds nothing like a hand (an arm whose
//     hand is out of view) makes the next one wait, so a replay runs many
//     times faster than real time.
type HybridTracker struct {
	classic   *ClassicTracker
	hm        *handmodel.Models
	ownModels bool
	cfg       HybridConfig
	back      models.Back
	palmW     float64 // expected palm width, frame pixels
	w, ht     int     // frame size

	tracks     []*hybridTrack
	nextID     int
	frames     int
	lastDetect int // frame number of the last palm detection (0: never)
	lost       bool
	// rejected remembers where proposals failed verification lately, so a
	// steady false proposal (a sleeve, a ghost in the background) does not
	// cost a landmark pass every frame.
	rejected []rejection
	// detectRuns counts palm detections, to cycle through the regions the
	// detector looks at; lastMirror is the frame of the last mirror try.
	detectRuns int
	// detectGap is how many frames apart the detector runs now: DetectEvery
	// after a hand was lost, twice as long after each detection that found
	// no new hand, up to maxDetectGap.
	detectGap  int
	lastMirror int
	// mirrorGap is how many frames apart the mirror tries come now.
	mirrorGap int
	// proposalsFrom is the frame from which proposals are tried again
	// after one held nothing like a hand; hopeless is set while the last
	// proposal tried held nothing like a hand, and hopelessGap is how long
	// the next such one makes proposals wait.
	proposalsFrom int
	hopeless      bool
	hopelessGap   int
	// flow carries followed hands from one landmark pass to the next.
	flow *handFlow

	stats HybridStats
}

// HybridConfig tunes the hybrid tracker; zero fields take the defaults.
type HybridConfig struct {
	// LandmarkEvery is how many frames apart a settled hand (one the
	// optical flow follows, whose last passes agreed with it) gets a
	// landmark pass at the most (default 64): passes come twice as far
	// apart each time the flow proves exact and half as far when it
	// strays, at most 4 frames apart while the flow has few points, 8
	// while the hand's crop reaches over the frame's edge, and every other
	// frame for hands not settled.
	LandmarkEvery int
	// MaxLandmarks caps the landmark passes of one frame, verification of
	// new hands included (default 2).
	MaxLandmarks int
	// DetectEvery is how many frames apart the palm detector runs while
	// fewer than two hands are followed, right after a hand was lost
	// (default 4); the pause doubles after each run that finds nothing.
	// It looks at the whole frame and at parts of the back in turn.
	DetectEvery int
	// MinPresence is the landmark presence a hand needs (default 0.9).
	MinPresence float64
	// NoProposals turns off the classic tracker's proposals (the detector
	// alone finds new hands).
	NoProposals bool
}

func (c HybridConfig) withDefaults() HybridConfig {
	if c.LandmarkEvery <= 0 {
		c.LandmarkEvery = 64
	}
	if c.MaxLandmarks <= 0 {
		c.MaxLandmarks = 2
	}
	if c.DetectEvery <= 0 {
		c.DetectEvery = 4
	}
	if !(c.MinPresence > 0 && c.MinPresence < 1) {
		c.MinPresence = 0.9
	}
	return c
}

// HybridStats counts the work of a hybrid tracker and the time each stage
// took.
type HybridStats struct {
	Frames     int
	Proposals  time.Duration // classic tracker (background model, arm ends)
	Flow       time.Duration // optical flow between landmark passes
	Detections int           // palm-detector runs
	Detect     time.Duration
	Landmarks  int // landmark passes
	Landmark   time.Duration
	Rejected   int // landmark passes below MinPresence
	Partial    int // landmark passes that fitted part of a hand
	// Tries counts the landmark passes on places where no hand was
	// followed yet, by what pointed there (proposal, mirror, detector,
	// headward).
	Tries map[string]int
	// Passes counts the landmark passes by purpose: "new" (the tries),
	// "settling" (a followed hand not settled yet), "settled" (the spaced
	// passes of a settled hand) and "second look" (a settled hand's crop
	// no longer fitted).
	Passes map[string]int
}

// rejection is a proposal the landmark model turned down.
type rejection struct {
	at     models.Point
	frame  int
	memory int // frames it is remembered
}

// rejectionMemory is how many frames a turned-down proposal is not retried.
const rejectionMemory = 10

// hybridTrack is one followed hand.
type hybridTrack struct {
	id       int
	roi      handmodel.ROI // ROI for the next pass, valid at roiT
	roiT     float64
	pos, vel models.Point // palm centre at posT, velocity (px/s)
	posT     float64
	width    float64
	presence float64
	last     handmodel.Result // the last accepted landmark pass
	hits     int
	misses   int
	// partials counts the passes since the last whole fit that fitted
	// only part of the hand (see fitPartial): the hand is there, its fit
	// is not.
	partials  int
	lastPass  int // frame number of the last landmark pass
	confirmed bool
	origin    string // what found the hand: detector, headward, proposal, mirror
	// pts are the points on the palm the optical flow follows (working
	// pixels, x y pairs); nil when the flow lost the hand.
	pts []float32
	// settled is set after settledPasses landmark passes in a row found
	// the palm where the flow had carried it, on a crop that stays put:
	// the next pass can then wait every frames. Otherwise (a new hand, a
	// crop still sliding onto the hand) it comes on the next frame but one.
	settled bool
	calm    int // landmark passes in a row that found the hand settled
	every   int // frames between landmark passes while settled
}

const (
	// classicIdleEvery is how often (frames) the classic tracker runs while
	// both hands are followed.
	classicIdleEvery = 8
	// maxDetectGap is the longest pause (frames) between palm detections
	// while a hand is missing: a hand that comes in is found sooner by the
	// classic tracker's proposals.
	maxDetectGap = 32
	// detectorRejectionMemory is how many frames a detector palm that the
	// landmark model turned down is not checked again (bare back skin can
	// look like a palm to the detector, frame after frame).
	detectorRejectionMemory = 90
	// settledShift is how far (in palm widths) a landmark pass may find
	// the palm from where the flow carried it for the track to count as
	// settled.
	settledShift = 0.15
	// settledPasses is how many landmark passes in a row must agree with
	// the flow, on a crop that stays put, before a hand counts as settled.
	settledPasses = 3
	// edgeEvery is how many frames apart a settled hand whose crop
	// reaches over the frame's edge gets a landmark pass at the most: as
	// it moves in or out its fit changes with the part in view.
	edgeEvery = 8
	// edgeMargin is how close (palm widths) to the frame's edge a hand
	// that reaches over it is not reported.
	edgeMargin = 0.5
	// minROIPalms is the smallest landmark crop a followed hand gets, in
	// expected palm widths. Pass by pass the model can fit a hand a little
	// smaller each time until the crop holds only part of it and the hand
	// is lost: on the testdata videos settled crops measure 2.1-2.7 palm
	// widths (median per video; 1.35-1.6 at the 1st percentile), and
	// crops that had shrunk to 1.07-1.26 lost their hand.
	minROIPalms = 1.3
	// edgeROIPalms is the smallest crop, in expected palm widths, of a
	// hand whose crop reaches over the frame's edge: the model fits the
	// part in view, and crop by crop it would shrink onto the fingers of a
	// hand coming in until it lost it (on too_fast.mp4 two hands coming in
	// over the bottom edge were lost and found again twice each; 2.5, a
	// whole hand's crop, took its passes 111 -> 81, those of the 12
	// testdata videos 1,169 -> 1,117).
	edgeROIPalms      = 2.5
	hybridConfirmHits = 2 // accepted landmark passes before a hand is reported
	hybridMaxMisses   = 2 // rejected passes in a row before a hand is dropped
	// sameHand is the distance between two palm centres, in palm widths,
	// under which they are one hand (two hands side by side are about one
	// palm width apart; landmarks on the fingers of a followed hand land
	// about half a width from it).
	sameHand = 0.8
	// cropPalmScore is the detector score a palm needs on a square of the
	// back (MediaPipe's 0.5 on the whole frame).
	cropPalmScore = 0.3
	// newHandPresence is the landmark presence a hand needs on its first
	// passes, before it is reported: body skin (a shoulder, an upper arm)
	// can pass 0.9 now and then, hands score 0.98 and more.
	newHandPresence = 0.98
	// squashedPalm and smallHand bound a fit to the whole hand: a palm
	// shorter (wrist to middle knuckle) than squashedPalm knuckle spans,
	// or a hand narrower than smallHand expected palm widths, is a fit to
	// part of it. Whole hands measure 0.8-1.3 spans (MediaPipe's own
	// landmarks on the real clip: 1.27 median in 3D; the rendered hands
	// about 1.0 in 2D), tilted onto the fingertips about 0.7.
	squashedPalm = 0.7
	smallHand    = 0.5
	// mirrorEvery is how many frames apart the followed hand's mirror
	// image is looked at while one hand is followed, at first.
	mirrorEvery = 3
	// hopelessPresence is the landmark presence under which a proposal
	// held nothing like a hand (a hand coming in, even its fingers alone,
	// scores far above it); the next proposal is then tried hopelessWait
	// frames later at the earliest, twice as long after each such proposal
	// in a row, up to maxHopelessWait (on the testdata videos sleeves and
	// arms whose hands were out of view gave a hopeless proposal every 3
	// frames until the hands came in: the doubling took the 12 videos'
	// passes 1,058 -> 1,012, recall and precision unchanged).
	hopelessPresence = 0.1
	hopelessWait     = 3
	maxHopelessWait  = 12
	// maxPartials is how many passes since its last whole fit may fit
	// only part of a hand before it is dropped.
	maxPartials = 30
	// partialEvery is how many frames apart a new hand whose passes fit
	// only part of it (a hand coming in) gets a landmark pass. Every
	// frame, as before it is confirmed, cost passes that saw the same
	// part again: every other frame took the 12 videos' passes 1,117 ->
	// 1,090 (wrong_direction 126 -> 106); every third, 1,104.
	partialEvery = 2
)

// fitVerdict is what a landmark pass made of its crop.
type fitVerdict int

const (
	fitNone fitVerdict = iota // no hand, or not a plausible one
	// fitPartial: a confident hand, fitted to part of it: its fingers (a
	// hand coming in over the frame's edge, a crop that slid onto the
	// fingers). The fit's palm lies ahead of the true one and its crop
	// would shrink pass by pass: neither is used.
	fitPartial
	fitGood // a whole hand
)

// NewHybridTracker makes a hybrid tracker: a classic tracker primed with the
// calibration frames supplies proposals; the palm detector runs on the first
// tracked frame, so hands already on the back are found at once. The tracker does not
// own hm: the caller closes it after the tracker.
func NewHybridTracker(back models.Back, frames []gocv.Mat, hm *handmodel.Models, cfg HybridConfig) (*HybridTracker, error) {
	if hm == nil {
		return nil, fmt.Errorf("hybrid tracker: no hand models")
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("hybrid tracker: no calibration frames")
	}
	h := &HybridTracker{
		classic: NewClassicTracker(back, frames),
		hm:      hm,
		cfg:     cfg.withDefaults(),
		back:    back,
		palmW:   expectedPalmWidth(back),
	}
	h.detectGap = h.cfg.DetectEvery
	h.mirrorGap = mirrorEvery
	h.hopelessGap = hopelessWait
	return h, nil
}

// Name implements Tracker.
func (h *HybridTracker) Name() string { return "hybrid" }

// Stats returns what the tracker has done so far.
func (h *HybridTracker) Stats() HybridStats { return h.stats }

// ErrNoHandModels says the hybrid tracker has no models to run.
var ErrNoHandModels = errors.New("hybrid tracker: hand models not installed (run 'backcoach models install', or use --tracker classic)")

// OpenHybridTracker loads the hand models from modelDir (or, when empty, the
// folder handmodel.FindDir finds) and makes a hybrid tracker that owns them.
func OpenHybridTracker(back models.Back, frames []gocv.Mat, modelDir string, cfg HybridConfig) (*HybridTracker, error) {
	dir := handmodel.FindDir(modelDir)
	if dir == "" {
		if modelDir != "" {
			return nil, fmt.Errorf("hybrid tracker: no hand models in %s: %w", modelDir, ErrNoHandModels)
		}
		return nil, ErrNoHandModels
	}
	hm, err := handmodel.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("hybrid tracker: %w", err)
	}
	h, err := NewHybridTracker(back, frames, hm, cfg)
	if err != nil {
		hm.Close()
		return nil, err
	}
	h.ownModels = true
	return h, nil
}

// newAutoTracker is the default tracker: hybrid when the hand models are
// found and load, else classic.
func newAutoTracker(opts Options, back models.Back, frames []gocv.Mat) Tracker {
	if handmodel.FindDir(opts.ModelDir) != "" {
		if h, err := OpenHybridTracker(back, frames, opts.ModelDir, opts.Hybrid); err == nil {
			return h
		}
	}
	return NewClassicTracker(back, frames)
}

// Close implements Tracker. It releases the classic tracker, and the models
// when the tracker loaded them.
func (h *HybridTracker) Close() error {
	var errs []error
	if h.classic != nil {
		errs = append(errs, h.classic.Close())
		h.classic = nil
	}
	if h.flow != nil {
		h.flow.Close()
		h.flow = nil
	}
	if h.ownModels && h.hm != nil {
		errs = append(errs, h.hm.Close())
		h.hm = nil
	}
	return errors.Join(errs...)
}

// Track implements Tracker.
func (h *HybridTracker) Track(frame gocv.Mat, t float64) []models.Hand {
	if h.classic == nil || frame.Empty() {
		return nil
	}
	h.frames++
	h.stats.Frames++
	h.w, h.ht = frame.Cols(), frame.Rows()
	start := time.Now()
	// The classic tracker's proposals point at hands that come in; with
	// both hands followed they have nothing to point at, and it only takes
	// a frame into its background now and then, to keep it fresh.
	var props []Detection
	switch {
	case len(h.tracks) < maxHands && h.frames >= h.proposalsFrom:
		h.classic.Track(frame, t)
		if !h.cfg.NoProposals {
			props = h.classic.Detections()
		}
	case len(h.tracks) < maxHands:
		// Proposals wait after ones that held nothing like a hand, and
		// while they do nothing would use them (they do not send the
		// detector back to short pauses either: see below); the
		// background is kept up as with Track.
		h.classic.Observe(frame)
	case h.frames%classicIdleEvery == 0:
		h.classic.Observe(frame)
	}
	h.stats.Proposals += time.Since(start)

	start = time.Now()
	if h.flow == nil {
		h.flow = newHandFlow(frame.Cols(), frame.Rows())
	}
	// The flow needs this frame now when it carries a hand from the last
	// one, else only if a landmark pass seeds points on it.
	h.flow.next(frame, !h.carrying())
	defer h.flow.done()
	h.follow(t)
	h.stats.Flow += time.Since(start)

	budget := h.cfg.MaxLandmarks
	// Followed hands due for a pass: new ones first, then the longest
	// without one.
	due := make([]*hybridTrack, 0, len(h.tracks))
	for _, tr := range h.tracks {
		every := min(tr.every, h.cfg.LandmarkEvery)
		if len(tr.pts) < 4*flowMinPoints {
			// Few points: the flow is easily led astray.
			every = min(every, 4)
		}
		if !tr.settled {
			every = min(every, 2)
		}
		if h.nearEdge(tr.roi) {
			every = min(every, edgeEvery)
		}
		switch {
		case !tr.confirmed && tr.partials > 0:
			// Part of a hand coming in, not reported yet: its crop
			// stays put while more of the hand comes into it.
			if h.frames-tr.lastPass >= partialEvery {
				due = append(due, tr)
			}
		case !tr.confirmed || tr.pts == nil || h.frames-tr.lastPass >= every:
			due = append(due, tr)
		}
	}
	sort.SliceStable(due, func(a, b int) bool {
		if due[a].confirmed != due[b].confirmed {
			return !due[a].confirmed
		}
		return due[a].lastPass < due[b].lastPass
	})
	for _, tr := range due {
		if budget == 0 {
			break
		}
		budget--
		h.refine(frame, tr, t)
	}
	h.dropLost()
	h.dedupe()

	// New hands: a proposal far from every followed hand, checked by the
	// landmark model; the detector when hands are missing.
	free := h.freeProposals(props)
	if len(h.tracks) < maxHands && budget > 0 && h.frames >= h.proposalsFrom {
		for _, d := range free {
			if budget == 0 || len(h.tracks) >= maxHands {
				break
			}
			budget--
			fit, presence := h.tryNew(frame, proposalROI(d, h.palmW), t, "proposal")
			h.hopeless = fit == fitNone && presence < hopelessPresence
			if !h.hopeless {
				h.hopelessGap = hopelessWait
			}
			if fit != fitNone {
				continue
			}
			h.rejected = append(h.rejected, rejection{at: d.Center, frame: h.frames, memory: rejectionMemory})
			if presence < hopelessPresence {
				// Nothing like a hand there: an arm whose hand is out
				// of view, a sleeve. Such proposals come in series, a
				// little elsewhere each frame: the next waits.
				h.proposalsFrom = h.frames + h.hopelessGap
				h.hopelessGap = min(2*h.hopelessGap, maxHopelessWait)
				break
			}
		}
	}
	// The partner's hands mostly mirror each other across the spine: look
	// for the missing one there; while that finds nothing like a hand
	// (the other hand rests off the back, or the partner works with one
	// hand) the looks come twice as far apart each time.
	if len(h.tracks) != 1 {
		h.mirrorGap = mirrorEvery
	}
	if len(h.tracks) == 1 && h.tracks[0].confirmed && budget > 0 && h.frames-h.lastMirror >= h.mirrorGap {
		h.lastMirror = h.frames
		if roi, ok := h.mirrorROI(h.tracks[0], t); ok {
			budget--
			switch fit, presence := h.tryNew(frame, roi, t, "mirror"); {
			case fit != fitNone:
				h.mirrorGap = mirrorEvery
			case presence < hopelessPresence:
				h.mirrorGap = min(2*h.mirrorGap, maxDetectGap)
			}
		}
	}
	if h.lost || (len(free) > 0 && !h.hopeless) {
		// A hand went, or something no followed hand explains moves on
		// the back: look often again. Not for proposals that keep holding
		// nothing like a hand (sleeves, arms whose hands are out of view:
		// on the testdata videos they kept the detector at every 4th
		// frame before the hands came in).
		h.detectGap = h.cfg.DetectEvery
	}
	if len(h.tracks) < maxHands && (h.lastDetect == 0 || h.lost || h.frames-h.lastDetect >= h.detectGap) {
		// Nothing else to spend the landmark passes on: verify more palms.
		n := max(budget, 2)
		if len(h.tracks) == 0 {
			n = max(budget, 4)
		}
		h.detect(frame, t, n, h.detectRegion(frame.Cols(), frame.Rows()))
	}
	h.lost = false
	return h.report(t, frame.Cols(), frame.Rows())
}

// carrying reports whether the optical flow follows points of a hand.
func (h *HybridTracker) carrying() bool {
	for _, tr := range h.tracks {
		if tr.pts != nil {
			return true
		}
	}
	return false
}

// follow moves the tracks with the optical flow of their palm points; a
// track the flow loses keeps its last position until its next landmark
// pass, which is then due at once.
func (h *HybridTracker) follow(t float64) {
	var sets [][]float32
	var moving []*hybridTrack
	for _, tr := range h.tracks {
		if tr.pts != nil {
			sets = append(sets, tr.pts)
			moving = append(moving, tr)
		}
	}
	if len(sets) == 0 {
		return
	}
	for k, r := range h.flow.track(sets) {
		tr := moving[k]
		if !r.ok {
			tr.pts = nil
			continue
		}
		tr.pts = r.kept
		if dt := t - tr.posT; dt > 1e-6 && dt < 0.5 {
			tr.vel = clampVel(tr.vel.Scale(0.5).Add(r.move.Scale(0.5/dt)), 12*h.palmW)
		}
		tr.pos, tr.posT = tr.pos.Add(r.move), t
		tr.roi.Center.X += r.move.X
		tr.roi.Center.Y += r.move.Y
		tr.roiT = t
	}
}

// floorROI enlarges a landmark crop smaller than minROIPalms expected
// palm widths (edgeROIPalms where it reaches over the frame's edge) to
// that size, about the same centre.
func (h *HybridTracker) floorROI(roi handmodel.ROI) handmodel.ROI {
	roi.Size = math.Max(roi.Size, minROIPalms*h.palmW)
	if h.nearEdge(roi) {
		roi.Size = math.Max(roi.Size, edgeROIPalms*h.palmW)
	}
	return roi
}

// roiSettled reports whether a landmark pass on roi proposes about the
// same region for the next pass: the crop has settled on the hand. A crop
// that holds only part of the hand (a hand entering the frame, a first
// guess) moves on from pass to pass.
func roiSettled(roi, next handmodel.ROI) bool {
	d := math.Hypot(next.Center.X-roi.Center.X, next.Center.Y-roi.Center.Y)
	turn := math.Abs(math.Remainder(next.Angle-roi.Angle, 2*math.Pi))
	return d < 0.08*roi.Size && math.Abs(next.Size/roi.Size-1) < 0.1 && turn < 0.2
}

// insideCrop moves the centre c of a crop of the given size into the
// frame, far enough that three quarters of the crop's width and height
// show the frame: a crop centred on the edge (on a palm fitted there)
// would show the model half a hand.
func (h *HybridTracker) insideCrop(c handmodel.Point, size float64) handmodel.Point {
	m := 0.25 * size
	c.X = math.Min(math.Max(c.X, m), math.Max(m, float64(h.w)-m))
	c.Y = math.Min(math.Max(c.Y, m), math.Max(m, float64(h.ht)-m))
	return c
}

// nearEdge reports whether a landmark crop reaches over the frame's edge:
// a hand coming in or going out, part of it unseen, whose fit changes as
// more of it shows.
func (h *HybridTracker) nearEdge(roi handmodel.ROI) bool {
	m := 0.4 * roi.Size
	return roi.Center.X < m || roi.Center.Y < m || roi.Center.X > float64(h.w)-m || roi.Center.Y > float64(h.ht)-m
}

// predict moves a track's position to time t.
func (tr *hybridTrack) predict(t float64) models.Point {
	dt := t - tr.posT
	if dt <= 0 || dt > 0.5 {
		return tr.pos
	}
	return tr.pos.Add(tr.vel.Scale(dt))
}

// refine runs the landmark model on a track's ROI, moved by its velocity.
func (h *HybridTracker) refine(frame gocv.Mat, tr *hybridTrack, t float64) {
	roi := h.floorROI(tr.roi)
	if dt := t - tr.roiT; dt > 0 && dt < 0.5 {
		roi.Center.X += tr.vel.X * dt
		roi.Center.Y += tr.vel.Y * dt
	}
	gap := h.frames - tr.lastPass // frames the flow carried the hand
	carried := tr.pts != nil
	tr.lastPass = h.frames
	need := h.cfg.MinPresence
	if !tr.confirmed {
		need = math.Max(need, newHandPresence)
	}
	purpose := "settling"
	if tr.settled {
		purpose = "settled"
	}
	res, fit := h.landmarks(frame, roi, need, purpose)
	switch fit {
	case fitNone:
		tr.misses++
		tr.pos, tr.posT = tr.predict(t), t
		tr.vel = tr.vel.Scale(0.5)
		return
	case fitPartial:
		// The hand is there, its fit is not: the flow (or the velocity)
		// carries it, and the next pass looks through a crop of the same
		// size and direction about the part of the palm the fit found, so
		// that more of the hand comes into it.
		tr.partials++
		tr.calm = 0
		tr.settled = false
		if tr.pts == nil {
			tr.pos, tr.posT = tr.predict(t), t
		}
		tr.roi.Center, tr.roiT = h.insideCrop(res.PalmMiddle, tr.roi.Size), t
		return
	}
	tr.partials = 0
	if tr.settled && !roiSettled(roi, res.Next) {
		// The hand turned or changed shape since the last pass: the crop
		// the flow carried no longer fits it. Look again at once through
		// the crop this pass proposes, as the next frame would (beyond
		// MaxLandmarks: it is rare once hands are settled).
		next := h.floorROI(res.Next)
		if res2, fit := h.landmarks(frame, next, need, "second look"); fit == fitGood {
			roi, res = next, res2
		}
	}
	c := models.Point{X: res.PalmMiddle.X, Y: res.PalmMiddle.Y}
	shift := tr.predict(t).Dist(c) / math.Max(tr.width, 1)
	if tr.hits > 0 && shift < settledShift && roiSettled(roi, res.Next) {
		tr.calm++
	} else {
		tr.calm = 0
	}
	tr.settled = tr.calm >= settledPasses
	// The flow drifts as much as the hand changes shape: passes come twice
	// as far apart (up to LandmarkEvery) each time the flow carried the
	// hand the whole interval and kept within a third of settledShift, and
	// half as far apart when it strayed past half of it.
	switch {
	case !tr.settled:
		tr.every = 2
	case shift > settledShift/2:
		tr.every = max(2, tr.every/2)
	case carried && gap >= tr.every && shift < settledShift/3:
		tr.every = min(2*tr.every, h.cfg.LandmarkEvery)
	}
	if dt := t - tr.posT; tr.hits > 0 && dt > 1e-6 && dt < 0.5 {
		v := c.Sub(tr.pos).Scale(1 / dt)
		tr.vel = clampVel(tr.vel.Scale(0.4).Add(v.Scale(0.6)), 12*h.palmW)
	}
	tr.pos, tr.posT = c, t
	tr.roi, tr.roiT = res.Next, t
	tr.width = smoothWidth(tr.width, handWidth(res))
	tr.presence = res.Presence
	tr.last = res
	tr.pts = h.flow.seed(res)
	tr.hits++
	tr.misses = 0
	if tr.hits >= hybridConfirmHits {
		tr.confirmed = true
	}
}

// landmarks runs the landmark model and says whether it saw a plausible
// hand, whole or in part.
// A new hand needs minPresence until it is confirmed, a followed one
// MinPresence.
func (h *HybridTracker) landmarks(frame gocv.Mat, roi handmodel.ROI, minPresence float64, purpose string) (handmodel.Result, fitVerdict) {
	if h.stats.Passes == nil {
		h.stats.Passes = map[string]int{}
	}
	h.stats.Passes[purpose]++
	start := time.Now()
	res, err := h.hm.Landmarks(frame, roi)
	h.stats.Landmark += time.Since(start)
	h.stats.Landmarks++
	if err != nil || res.Presence < minPresence {
		h.stats.Rejected++
		return res, fitNone
	}
	// Bare back skin can give a confident "hand" of absurd size.
	w := handWidth(res)
	if w < 0.3*h.palmW || w > 3*h.palmW {
		h.stats.Rejected++
		return res, fitNone
	}
	if handmodel.PalmLengthOf(res.Points) < squashedPalm*res.PalmWidth || w < smallHand*h.palmW {
		h.stats.Partial++
		return res, fitPartial
	}
	return res, fitGood
}

// breadthPerSpan turns a knuckle span (index to little-finger knuckle,
// centre to centre) into the breadth of the palm (anatomy: about 8.5 against
// 6.5 cm).
const breadthPerSpan = 1.3

// handWidth estimates the palm width from landmarks: the knuckle span, or
// from the palm's length when the hand is seen edge-on.
func handWidth(res handmodel.Result) float64 {
	return math.Max(res.PalmWidth, 0.75*handmodel.PalmLengthOf(res.Points))
}

func smoothWidth(old, w float64) float64 {
	if old <= 0 {
		return w
	}
	return 0.7*old + 0.3*w
}

// tryNew verifies a candidate ROI and starts a track when it holds a hand
// that no track follows yet: fitGood when it started one from a whole
// hand, fitPartial when it started one from part of a hand (not reported
// before its passes fit the whole hand), fitNone when it started none;
// and the landmark presence the pass found.
func (h *HybridTracker) tryNew(frame gocv.Mat, roi handmodel.ROI, t float64, origin string) (fitVerdict, float64) {
	if h.stats.Tries == nil {
		h.stats.Tries = map[string]int{}
	}
	h.stats.Tries[origin]++
	res, fit := h.landmarks(frame, roi, math.Max(h.cfg.MinPresence, newHandPresence), "new")
	if fit == fitNone {
		return fitNone, res.Presence
	}
	c := models.Point{X: res.PalmMiddle.X, Y: res.PalmMiddle.Y}
	w := handWidth(res)
	if fit == fitPartial {
		// Where the part of the hand is; its size is the expected one.
		w = math.Max(w, h.palmW)
	}
	for _, tr := range h.tracks {
		if tr.predict(t).Dist(c) < sameHand*math.Max(w, tr.width) || onForearm(tr, c, t) {
			return fitNone, res.Presence
		}
	}
	tr := &hybridTrack{
		id: h.nextID, roi: res.Next, roiT: t, pos: c, posT: t,
		width: w, presence: res.Presence, last: res, hits: 1, lastPass: h.frames, origin: origin,
		pts: h.flow.seed(res), every: 2,
	}
	if fit == fitPartial {
		// The crop keeps the size and direction of the one that found
		// the hand, not the fit's smaller one, about the part of the palm
		// the fit found; the track earns its hits from whole fits.
		tr.roi, tr.hits, tr.partials = roi, 0, 1
		tr.roi.Center = h.insideCrop(res.PalmMiddle, roi.Size)
	}
	h.tracks = append(h.tracks, tr)
	h.nextID++
	return fit, res.Presence
}

// onForearm reports whether p lies on the forearm of the followed hand tr:
// beyond its wrist, along the knuckle → wrist line, where the landmark model
// may see a second "hand".
func onForearm(tr *hybridTrack, p models.Point, t float64) bool {
	if tr.last.Presence == 0 {
		return false
	}
	shift := tr.predict(t).Sub(tr.pos)
	w := tr.last.Points[handmodel.Wrist]
	k := tr.last.Points[handmodel.MiddleMCP]
	wrist := models.Point{X: w.X, Y: w.Y}.Add(shift)
	ax, ay := w.X-k.X, w.Y-k.Y
	length := math.Hypot(ax, ay)
	if length < 1 {
		return false
	}
	ax, ay = ax/length, ay/length
	q := p.Sub(wrist)
	along := q.X*ax + q.Y*ay
	across := math.Abs(q.X*ay - q.Y*ax)
	return along > 0.3*length && along < 3*length && across < 0.5*length
}

// detectRegion picks where the next palm detection looks: a square of the
// back about 0.6 back lengths wide, where a hand is about twice as large
// for the 128-px detector, or the whole frame, in turn. With one hand
// followed, the squares on the other side of the spine come first.
func (h *HybridTracker) detectRegion(w, ht int) image.Rectangle {
	full := image.Rect(0, 0, w, ht)
	k := h.detectRuns
	h.detectRuns++
	if !h.back.Valid() {
		return full
	}
	type spot struct{ u, v float64 }
	var cycle []spot
	if len(h.tracks) == 1 {
		u, _ := h.back.UV(h.tracks[0].pos)
		side := -1.0
		if u < 0 {
			side = 1
		}
		cycle = []spot{{side * 0.45, 0.2}, {side * 0.45, 0.7}, {}}
	} else {
		// Hands on the back from the first frame are small on the whole
		// frame: the squares come first.
		cycle = []spot{{-0.45, 0.2}, {0.45, 0.2}, {-0.45, 0.7}, {0.45, 0.7}, {}}
	}
	sp := cycle[k%len(cycle)]
	if sp == (spot{}) {
		return full
	}
	c := h.back.Point(sp.u, sp.v)
	side := math.Min(math.Max(0.6*h.back.Length(), 4*h.palmW), float64(min(w, ht)))
	r := image.Rect(int(c.X-side/2), int(c.Y-side/2), int(c.X+side/2), int(c.Y+side/2))
	// Keep the square whole where the frame allows it.
	if r.Min.X < 0 {
		r = r.Add(image.Pt(-r.Min.X, 0))
	}
	if r.Min.Y < 0 {
		r = r.Add(image.Pt(0, -r.Min.Y))
	}
	if r.Max.X > w {
		r = r.Add(image.Pt(w-r.Max.X, 0))
	}
	if r.Max.Y > ht {
		r = r.Add(image.Pt(0, ht-r.Max.Y))
	}
	if r = r.Intersect(full); r.Dx() < 32 || r.Dy() < 32 {
		return full
	}
	return r
}

// mirrorROI is the followed hand's ROI reflected across the spine line.
func (h *HybridTracker) mirrorROI(tr *hybridTrack, t float64) (handmodel.ROI, bool) {
	if !h.back.Valid() || tr.last.Presence == 0 {
		return handmodel.ROI{}, false
	}
	a := h.back.SpineBottom
	d := h.back.SpineTop.Sub(a).Scale(1 / h.back.Length())
	reflect := func(p models.Point) models.Point {
		q := p.Sub(a)
		along := q.X*d.X + q.Y*d.Y
		return a.Add(d.Scale(2 * along)).Sub(q)
	}
	shift := models.Point{}
	if dt := t - tr.roiT; dt > 0 && dt < 0.5 {
		shift = tr.vel.Scale(dt)
	}
	pts := tr.last.Points
	wrist := models.Point{X: pts[handmodel.Wrist].X, Y: pts[handmodel.Wrist].Y}.Add(shift)
	knuckle := models.Point{X: pts[handmodel.MiddleMCP].X, Y: pts[handmodel.MiddleMCP].Y}.Add(shift)
	w, k := reflect(wrist), reflect(knuckle)
	c := reflect(models.Point{X: tr.roi.Center.X, Y: tr.roi.Center.Y}.Add(shift))
	// Too close to the spine: the reflection is the same hand.
	if c.Dist(models.Point{X: tr.roi.Center.X, Y: tr.roi.Center.Y}.Add(shift)) < sameHand*tr.width {
		return handmodel.ROI{}, false
	}
	angle := math.Pi/2 - math.Atan2(-(k.Y-w.Y), k.X-w.X)
	return handmodel.ROI{Center: handmodel.Point{X: c.X, Y: c.Y}, Size: tr.roi.Size, Angle: angle}, true
}

// detect runs the palm detector on region r of the frame and verifies up to
// n palms that no track follows yet.
func (h *HybridTracker) detect(frame gocv.Mat, t float64, n int, r image.Rectangle) {
	start := time.Now()
	// On a square of the back the hand is larger and every palm is checked
	// by the landmark model: accept weaker detector scores there.
	if r != image.Rect(0, 0, frame.Cols(), frame.Rows()) {
		h.hm.SetPalmThreshold(cropPalmScore)
		defer h.hm.SetPalmThreshold(0)
	}
	palms, err := h.hm.DetectPalmsIn(frame, r)
	h.stats.Detect += time.Since(start)
	h.stats.Detections++
	h.lastDetect = max(h.frames, 1)
	if err != nil {
		return
	}
	found := false
	defer func() {
		if !found {
			h.detectGap = min(2*h.detectGap, maxDetectGap)
		}
	}()
	h.forgetRejections()
	for _, p := range palms {
		if n == 0 || len(h.tracks) >= maxHands {
			return
		}
		c := models.Point{X: p.Center.X, Y: p.Center.Y}
		near := h.turnedDown(c)
		for _, tr := range h.tracks {
			if tr.predict(t).Dist(c) < 0.8*math.Max(tr.width, h.palmW) {
				near = true
				break
			}
		}
		if near {
			continue
		}
		n--
		fit, presence := h.tryNew(frame, p.ROI(), t, "detector")
		if fit != fitNone {
			found = true
			continue
		}
		if presence < hopelessPresence {
			// Nothing like a hand in the detector's crop: bare back skin,
			// which the detector takes for a palm now and then (on the
			// testdata videos a second look with the headward crop never
			// found a hand after such a pass).
			h.rejected = append(h.rejected, rejection{at: c, frame: h.frames, memory: detectorRejectionMemory})
			continue
		}
		if n == 0 {
			continue
		}
		// The detector's keypoints are poor on small hands: try again with
		// a hand of the expected size whose fingers point to the head, as
		// in most strokes.
		n--
		if fit, _ := h.tryNew(frame, h.headwardROI(c), t, "headward"); fit != fitNone {
			found = true
			continue
		}
		h.rejected = append(h.rejected, rejection{at: c, frame: h.frames, memory: detectorRejectionMemory})
	}
}

// headwardROI is the landmark ROI for a hand centred at c whose fingers
// point toward the receiver's head, of the expected palm width.
func (h *HybridTracker) headwardROI(c models.Point) handmodel.ROI {
	dir := models.Point{X: 0, Y: -1}
	if h.back.Valid() {
		dir = h.back.SpineTop.Sub(h.back.SpineBottom).Scale(1 / h.back.Length())
	}
	c = c.Add(dir.Scale(0.15 * h.palmW))
	angle := math.Pi/2 - math.Atan2(-dir.Y, dir.X)
	return handmodel.ROI{Center: handmodel.Point{X: c.X, Y: c.Y}, Size: 3 * h.palmW, Angle: angle}
}

// freeProposals returns the classic proposals that no followed hand
// explains and that were not turned down lately, farthest-reaching first.
func (h *HybridTracker) freeProposals(props []Detection) []Detection {
	h.forgetRejections()
	var out []Detection
	for _, d := range props {
		free := !h.turnedDown(d.Center)
		for _, tr := range h.tracks {
			if tr.pos.Dist(d.Center) < 1.2*math.Max(tr.width, h.palmW) {
				free = false
				break
			}
		}
		if free {
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Reach > out[b].Reach })
	return out
}

// forgetRejections drops the turned-down places older than their memory.
func (h *HybridTracker) forgetRejections() {
	recent := h.rejected[:0]
	for _, r := range h.rejected {
		if h.frames-r.frame < r.memory {
			recent = append(recent, r)
		}
	}
	h.rejected = recent
}

// turnedDown reports whether the landmark model turned down a place near p
// lately.
func (h *HybridTracker) turnedDown(p models.Point) bool {
	for _, r := range h.rejected {
		if r.at.Dist(p) < 0.5*h.palmW {
			return true
		}
	}
	return false
}

// proposalROI is the landmark ROI for a classic proposal: the fingers point
// from the palm centre toward the far end of the arm blob (or from where the
// arm enters), and the ROI sits a little toward the fingers from the palm
// centre, about three expected palm widths wide.
func proposalROI(d Detection, palmW float64) handmodel.ROI {
	dir := d.Tip.Sub(d.Center)
	if n := math.Hypot(dir.X, dir.Y); n < 0.3*palmW {
		dir = d.Tip.Sub(d.Entry)
		if d.Entry == (models.Point{}) {
			dir = models.Point{}
		}
	}
	if n := math.Hypot(dir.X, dir.Y); n > 1e-6 {
		dir = dir.Scale(1 / n)
	} else {
		dir = models.Point{X: 0, Y: -1}
	}
	c := d.Center.Add(dir.Scale(0.15 * palmW))
	angle := math.Pi/2 - math.Atan2(-dir.Y, dir.X)
	return handmodel.ROI{Center: handmodel.Point{X: c.X, Y: c.Y}, Size: 3 * palmW, Angle: angle}
}

// dropLost forgets tracks whose landmark passes failed too often.
func (h *HybridTracker) dropLost() {
	kept := h.tracks[:0]
	for _, tr := range h.tracks {
		// A new hand goes at its first miss, unless it is coming in (its
		// fits so far saw part of it).
		if tr.misses >= hybridMaxMisses || (!tr.confirmed && tr.misses > 0 && tr.partials == 0) || tr.partials > maxPartials {
			h.lost = true
			continue
		}
		kept = append(kept, tr)
	}
	h.tracks = kept
}

// dedupe drops a track that follows the same hand as an older one (two ROIs
// that slid onto one hand).
func (h *HybridTracker) dedupe() {
	sort.SliceStable(h.tracks, func(a, b int) bool { return h.tracks[a].hits > h.tracks[b].hits })
	kept := h.tracks[:0]
	for _, tr := range h.tracks {
		dup := false
		for _, k := range kept {
			if k.pos.Dist(tr.pos) < sameHand*math.Max(k.width, tr.width) {
				dup = true
				break
			}
		}
		if dup {
			h.lost = true
			continue
		}
		kept = append(kept, tr)
	}
	h.tracks = kept
}

// report returns the confirmed hands at time t whose palm centre is in the
// w×h frame, in track order.
func (h *HybridTracker) report(t float64, w, ht int) []models.Hand {
	var out []models.Hand
	for _, tr := range h.tracks {
		if !tr.confirmed {
			continue
		}
		p := tr.predict(t)
		if p.X < 0 || p.Y < 0 || p.X >= float64(w) || p.Y >= float64(ht) {
			continue
		}
		// A hand partly out of the frame is fitted to the part in view:
		// its palm comes out toward the inside, by up to half a palm. Near
		// the edge its palm centre may still be outside.
		m := edgeMargin * tr.width
		if h.nearEdge(tr.roi) && (p.X < m || p.Y < m || p.X >= float64(w)-m || p.Y >= float64(ht)-m) {
			continue
		}
		out = append(out, models.Hand{ID: tr.id, X: p.X, Y: p.Y, Width: breadthPerSpan * tr.width, Score: tr.presence})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	if len(out) > maxHands {
		out = out[:maxHands]
	}
	return out
}
