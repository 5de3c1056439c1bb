package models

// Truth is the ground truth of a rendered test video (`backcoach synth`),
// stored beside it as NAME.truth.json.
type Truth struct {
	Scenario    string  `json:"scenario"`
	Description string  `json:"description"`
	Seed        int64   `json:"seed"`
	FPS         float64 `json:"fps"`
	Width       int     `json:"width"`
	Height      int     `json:"height"`
	Head        Head    `json:"head"`
	Back        Back    `json:"back"`
	// PalmWidth is the rendered palm width in pixels (the match radius of the
	// accuracy tests is half of it).
	PalmWidth float64      `json:"palm_width"`
	Frames    []TruthFrame `json:"frames"`
	// Zones are the avoid zones the scenario expects to be marked (u, v).
	Zones    []Zone         `json:"zones,omitempty"`
	Segments []TruthSegment `json:"segments"`
	// Tuning tells whether the video may be used to tune the tracker; held-out
	// videos (false) only measure it.
	Tuning bool `json:"tuning"`
}

// TruthFrame holds the true palm centres of one frame.
type TruthFrame struct {
	I     int         `json:"i"`
	T     float64     `json:"t"`
	Hands []TruthHand `json:"hands"`
}

// TruthHand is one true palm centre; Visible is false when the palm is out of
// the frame or hidden (it is then not counted by accuracy tests).
type TruthHand struct {
	ID      int     `json:"id"`
	X       float64 `json:"x"`
	Y       float64 `json:"y"`
	Visible bool    `json:"visible"`
}

// TruthSegment is a stretch of the video and what the coach must say in it:
// every code of Expect at least once within [Start-1.5 s, End+1.5 s], and no
// code of Forbid anywhere within [Start, End].
type TruthSegment struct {
	Start  float64 `json:"start"`
	End    float64 `json:"end"`
	Label  string  `json:"label"`
	Expect []Code  `json:"expect"`
	Forbid []Code  `json:"forbid"`
}
