package vision

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/backcoach/backcoach/models"
	"gocv.io/x/gocv"
)

// FrameFunc receives every decoded frame of a replay with what vision saw in
// it. It must not keep or close frame.
type FrameFunc func(frame gocv.Mat, obs models.FrameObs) error

// ReplayStats tells what a replay read.
type ReplayStats struct {
	Frames int     // frames decoded
	FPS    float64 // the source's frame rate
}

// Replay reads a recorded source to its end in one pass. The first
// lookahead frames are kept (in one block of memory: see frameBuffer) and
// the processor is calibrated on them (hands that move in them vanish from
// the background), then every frame from the first is tracked and handed
// to fn in order. Calibration failures are
// returned as is (ErrNoBack when no back is in view).
func Replay(ctx context.Context, src *Source, p *Processor, lookahead int, fn FrameFunc) (ReplayStats, error) {
	st := ReplayStats{FPS: src.FPS()}
	if lookahead < 1 {
		lookahead = 1
	}
	w, h := src.Size()
	fb, err := newFrameBuffer(lookahead, h, w, gocv.MatTypeCV8UC3)
	if err != nil {
		return st, err
	}
	defer func() {
		if fb != nil {
			fb.Close()
		}
	}()
	var buf []gocv.Mat
	for len(buf) < lookahead {
		m := fb.frames[len(buf)]
		if err := src.Read(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return st, fmt.Errorf("read frame %d: %w", len(buf), err)
		}
		buf = append(buf, m)
	}
	if len(buf) == 0 {
		return st, errors.New("the video has no frames")
	}
	if _, ready := p.Back(); !ready || p.tracker == nil {
		if err := p.Calibrate(buf); err != nil {
			return st, err
		}
	}
	handle := func(m gocv.Mat) error {
		i := st.Frames
		t := float64(i) / st.FPS
		obs, err := p.Process(m, i, t)
		if err != nil {
			return fmt.Errorf("frame %d: %w", i, err)
		}
		st.Frames++
		return fn(m, obs)
	}
	for _, m := range buf {
		if err := handle(m); err != nil {
			return st, err
		}
	}
	fb.Close()
	fb, buf = nil, nil
	frame := gocv.NewMat()
	defer frame.Close()
	for {
		if st.Frames%64 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		if err := src.Read(&frame); err != nil {
			if errors.Is(err, io.EOF) {
				return st, nil
			}
			return st, fmt.Errorf("read frame %d: %w", st.Frames, err)
		}
		if err := handle(frame); err != nil {
			return st, err
		}
	}
}

func closeMats(ms []gocv.Mat) {
	for i := range ms {
		ms[i].Close()
	}
}
