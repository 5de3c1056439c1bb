package vision

import (
	"github.com/backcoach/backcoach/models"
	"gocv.io/x/gocv"
)

// CalibrateBack finds the back in the first frames: the spine line from the
// waist midpoint to the midpoint of the shoulder line, and the half width.
func CalibrateBack(frames []gocv.Mat, head models.Head) (models.Back, error) {
	return models.Back{}, ErrNoBack // TODO(pipeline): in progress
}
