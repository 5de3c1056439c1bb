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
	case "", "classic":
		return NewClassicTracker(back, frames), nil
	}
	return nil, fmt.Errorf("tracker %q: want classic or hybrid", opts.Tracker)
}
