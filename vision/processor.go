package vision

import (
	"errors"
	"fmt"

	"github.com/backcoach/backcoach/models"
	"gocv.io/x/gocv"
)

// Tracker finds the partner's palms in successive frames.
type Tracker interface {
	// Track processes one BGR frame taken at time t (seconds) and returns the
	// palms it reports in that frame.
	Track(frame gocv.Mat, t float64) []models.Hand
	// Name says which tracker this is ("classic" or "hybrid").
	Name() string
	// Close releases what the tracker holds.
	Close() error
}

// Options configure a Processor.
type Options struct {
	// Head is where the receiver's head is in the image (default top).
	Head models.Head
	// Back fixes the calibration (--spine / --half-width); nil calibrates
	// automatically from the first frames.
	Back *models.Back
	// Tracker is "classic", "hybrid" or "" for the best one available.
	Tracker string
	// ModelDir holds the hand models for the hybrid tracker ("" for none).
	ModelDir string
	// Hybrid tunes the hybrid tracker (zero: the defaults).
	Hybrid HybridConfig
	// CalibrationFrames is how many frames calibration looks at (default 30).
	CalibrationFrames int
}

// ErrNoBack is returned when calibration finds no back in view.
var ErrNoBack = errors.New("no back in view: the camera should look down on the bare back, waist to shoulders")

// Processor turns frames into hand observations: it calibrates the back from
// the first frames (unless given), then tracks the hands in every frame.
type Processor struct {
	opts    Options
	back    models.Back
	ready   bool
	calib   []gocv.Mat
	tracker Tracker
	width   int
	height  int
}

// NewProcessor makes a Processor.
func NewProcessor(opts Options) (*Processor, error) {
	if opts.Head == "" {
		opts.Head = models.HeadTop
	}
	if _, ok := models.ParseHead(string(opts.Head)); !ok {
		return nil, fmt.Errorf("head %q: want top, bottom, left or right", opts.Head)
	}
	if opts.CalibrationFrames <= 0 {
		opts.CalibrationFrames = 30
	}
	p := &Processor{opts: opts}
	if opts.Back != nil {
		if !opts.Back.Valid() {
			return nil, errors.New("the given spine and half width do not describe a back")
		}
		p.back = *opts.Back
	}
	return p, nil
}

// Back returns the calibrated back and whether calibration is done.
func (p *Processor) Back() (models.Back, bool) { return p.back, p.ready }

// TrackerName says which tracker runs ("" before calibration).
func (p *Processor) TrackerName() string {
	if p.tracker == nil {
		return ""
	}
	return p.tracker.Name()
}

// Calibrate calibrates from the given frames (the first frames of a
// recording) and readies the tracker. With a fixed back it only checks the
// frame size. It does not close the frames.
func (p *Processor) Calibrate(frames []gocv.Mat) error {
	if len(frames) == 0 {
		return errors.New("calibrate: no frames")
	}
	p.width, p.height = frames[0].Cols(), frames[0].Rows()
	if p.opts.Back == nil {
		b, err := CalibrateBack(frames, p.opts.Head)
		if err != nil {
			return err
		}
		p.back = b
	}
	tr, err := newTracker(p.opts, p.back, frames)
	if err != nil {
		return err
	}
	p.tracker = tr
	p.ready = true
	return nil
}

// Process takes one frame. Until calibration is done it keeps copies of the
// frames it needs and reports no hands; then it tracks. It does not close
// frame.
func (p *Processor) Process(frame gocv.Mat, idx int, t float64) (models.FrameObs, error) {
	obs := models.FrameObs{Index: idx, T: t}
	if !p.ready {
		p.calib = append(p.calib, frame.Clone())
		if len(p.calib) < p.opts.CalibrationFrames {
			return obs, nil
		}
		err := p.Calibrate(p.calib)
		p.dropCalib()
		if err != nil {
			return obs, err
		}
		return obs, nil
	}
	obs.Hands = p.tracker.Track(frame, t)
	return obs, nil
}

// Recalibrate forgets the calibration (unless it was given) and the tracker
// state; the next frames calibrate again.
func (p *Processor) Recalibrate() {
	if p.tracker != nil {
		p.tracker.Close()
		p.tracker = nil
	}
	p.dropCalib()
	p.ready = false
}

func (p *Processor) dropCalib() {
	for i := range p.calib {
		p.calib[i].Close()
	}
	p.calib = nil
}

// Close releases everything the processor holds.
func (p *Processor) Close() error {
	p.dropCalib()
	if p.tracker != nil {
		err := p.tracker.Close()
		p.tracker = nil
		return err
	}
	return nil
}

// EncodeJPEG encodes a BGR frame as JPEG bytes (quality 1..100).
func EncodeJPEG(frame gocv.Mat, quality int) ([]byte, error) {
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, frame, []int{gocv.IMWriteJpegQuality, quality})
	if err != nil {
		return nil, fmt.Errorf("encode jpeg: %w", err)
	}
	defer buf.Close()
	b := buf.GetBytes()
	out := make([]byte, len(b))
	copy(out, b)
	return out, nil
}

// HybridStats returns the hybrid tracker's work counts (zero for another
// tracker).
func (p *Processor) HybridStats() HybridStats {
	if h, ok := p.tracker.(*HybridTracker); ok {
		return h.Stats()
	}
	return HybridStats{}
}
