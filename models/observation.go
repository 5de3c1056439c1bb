package models

// Hand is one tracked palm in one frame.
type Hand struct {
	// ID is the track identity, stable while the hand is followed (0, 1, ...).
	ID int `json:"id"`
	// X, Y is the palm centre in pixels of the source frame.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	// Width is the estimated palm width in pixels (0 when unknown).
	Width float64 `json:"width,omitempty"`
	// Score is the tracker's confidence in 0..1 (0 when unknown).
	Score float64 `json:"score,omitempty"`
}

// Pos returns the palm centre as a Point.
func (h Hand) Pos() Point { return Point{h.X, h.Y} }

// FrameObs is what vision saw in one decoded frame: the hand observations
// that flow from vision to coach.
type FrameObs struct {
	// Index is the frame number from 0.
	Index int
	// T is the frame's time in seconds (video time for recordings, time since
	// the session started for live capture).
	T float64
	// Hands holds the tracked palms (empty when none).
	Hands []Hand
}
