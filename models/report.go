package models

// Report is the JSON report of `backcoach replay` (DESIGN.md, "Report").
type Report struct {
	Source   Source        `json:"source"`
	Routine  string        `json:"routine"`
	Tracker  string        `json:"tracker,omitempty"`
	Back     Back          `json:"back"`
	Frames   []ReportFrame `json:"frames"`
	Strokes  []Stroke      `json:"strokes"`
	Feedback []Feedback    `json:"feedback"`
	Summary  Summary       `json:"summary"`
}

// Source describes the replayed video.
type Source struct {
	Path   string  `json:"path"`
	FPS    float64 `json:"fps"`
	Frames int     `json:"frames"`
	Width  int     `json:"width"`
	Height int     `json:"height"`
}

// ReportFrame is one decoded frame of the report.
type ReportFrame struct {
	I     int           `json:"i"`
	T     float64       `json:"t"`
	Hands []ReportPoint `json:"hands"`
}

// ReportPoint is a palm centre in the report's frames.
type ReportPoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}
