package vision

import (
	"fmt"

	"github.com/backcoach/backcoach/models"
	"gocv.io/x/gocv"
)

// newTracker makes the tracker the options ask for, primed with the
// calibration frames.
func newTracker(opts Options, back models.Back, frames []gocv.Mat) (Tracker, error) {
	switch opts.Tracker {
	case "":
		return newAutoTracker(opts, back, frames), nil
	case "classic":
		return NewClassicTracker(back, frames), nil
	case "hybrid":
		h, err := OpenHybridTracker(back, frames, opts.ModelDir, opts.Hybrid)
		if err != nil {
			return nil, err
		}
		return h, nil
	}
	return nil, fmt.Errorf("tracker %q: want classic or hybrid", opts.Tracker)
}
