package models

// Code is a stable feedback code of DESIGN.md.
type Code string

// The feedback vocabulary. These strings are a contract: reports, session
// logs, the browser page and tests all depend on them.
const (
	CodeGoodStroke     Code = "good_stroke"
	CodeTooFast        Code = "too_fast"
	CodeOnSpine        Code = "on_spine"
	CodeNoCircles      Code = "no_circles"
	CodeStartLow       Code = "start_low"
	CodeReachShoulders Code = "reach_shoulders"
	CodeWrongDirection Code = "wrong_direction"
	CodeAvoidZone      Code = "avoid_zone"
	CodeHandsLost      Code = "hands_lost"
	CodeLighter        Code = "lighter"
	CodeFirmer         Code = "firmer"
	CodeStop           Code = "stop"
)

// AllCodes lists every feedback code in a stable order.
var AllCodes = []Code{
	CodeGoodStroke, CodeTooFast, CodeOnSpine, CodeNoCircles, CodeStartLow,
	CodeReachShoulders, CodeWrongDirection, CodeAvoidZone, CodeHandsLost,
	CodeLighter, CodeFirmer, CodeStop,
}

var codeMessages = map[Code]string{
	CodeGoodStroke:     "Good stroke — keep that slow, circling rhythm.",
	CodeTooFast:        "Slow down — long, slow strokes.",
	CodeOnSpine:        "Move off the spine — work the muscles beside it.",
	CodeNoCircles:      "Add small gentle circles as you move up.",
	CodeStartLow:       "Start at the lower back.",
	CodeReachShoulders: "Go all the way up to the shoulders.",
	CodeWrongDirection: "Move upward — from the lower back to the shoulders.",
	CodeAvoidZone:      "Avoid that area — it was marked as numb or tingling.",
	CodeHandsLost:      "I can't see your hands — keep them in view.",
	CodeLighter:        "Lighter, please — use less pressure.",
	CodeFirmer:         "Firmer, please — a little more pressure.",
	CodeStop:           "Stop — your partner asked to pause.",
}

var codeAdvice = map[Code]string{
	CodeTooFast:        "slow down on the way up",
	CodeOnSpine:        "keep your hands off the spine, on the muscles beside it",
	CodeNoCircles:      "make small gentle circles as you move up",
	CodeStartLow:       "start each stroke at the lower back",
	CodeReachShoulders: "go all the way up to the shoulders",
	CodeWrongDirection: "stroke upward, not down the back",
	CodeAvoidZone:      "stay clear of the marked areas",
	CodeHandsLost:      "keep your hands in view of the camera",
}

// Advice says in plain words what to change for a fault code, for
// summaries ("slow down on the way up"); "" for codes that are no fault.
func (c Code) Advice() string { return codeAdvice[c] }

// Message returns the short human message for a code ("" for an unknown code).
func (c Code) Message() string { return codeMessages[c] }

// Known reports whether c is one of the codes of DESIGN.md.
func (c Code) Known() bool { _, ok := codeMessages[c]; return ok }

// Phase is where a hand is in the stroke cycle.
type Phase string

// The phases of one stroke cycle.
const (
	PhaseIdle   Phase = "idle"   // not yet in a stroke (getting into place, between strokes)
	PhaseAscent Phase = "ascent" // up the back beside the spine
	PhaseAcross Phase = "across" // outward along the shoulder line
	PhaseDown   Phase = "down"   // down the outside of the upper arms
)

// Stroke is one judged ascent (with what followed it) of one hand.
type Stroke struct {
	Start     float64 `json:"start"`
	End       float64 `json:"end"`
	Hand      int     `json:"hand"`
	Circles   int     `json:"circles"`
	PeakSpeed float64 `json:"peak_speed"` // back lengths per second, smoothed
	Verdicts  []Code  `json:"verdicts"`
}

// Good reports whether the stroke met every check.
func (s Stroke) Good() bool {
	return len(s.Verdicts) == 1 && s.Verdicts[0] == CodeGoodStroke
}

// Feedback is one coaching message at a moment of the session.
type Feedback struct {
	T       float64 `json:"t"`
	Code    Code    `json:"code"`
	Message string  `json:"message"`
	Hand    *int    `json:"hand,omitempty"`
}

// Summary sums up a session or a replay.
type Summary struct {
	Duration    float64        `json:"duration"`
	Strokes     int            `json:"strokes"`
	GoodStrokes int            `json:"good_strokes"`
	Codes       map[Code]int   `json:"codes"`
	Advice      string         `json:"advice,omitempty"`
	Coverage    *CoverageStats `json:"coverage,omitempty"`
}

// CoverageStats tells how evenly the back was worked.
type CoverageStats struct {
	LeftSeconds  float64 `json:"left_seconds"`
	RightSeconds float64 `json:"right_seconds"`
}

// HandState is one hand as the coach sees it in one frame.
type HandState struct {
	ID    int     `json:"id"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	U     float64 `json:"u"`
	V     float64 `json:"v"`
	Speed float64 `json:"speed"` // smoothed, back lengths per second
	Phase Phase   `json:"phase"`
}

// Zone is an area to avoid, as a polygon in (u, v) back coordinates.
type Zone struct {
	Points [][2]float64 `json:"points"`
}

// Update is what the coach says after one frame: the hands in back
// coordinates, the strokes it finished and the feedback it gives.
type Update struct {
	T        float64     `json:"t"`
	Index    int         `json:"i"`
	Hands    []HandState `json:"hands"`
	Phase    Phase       `json:"phase"`
	Strokes  []Stroke    `json:"strokes,omitempty"`
	Feedback []Feedback  `json:"feedback,omitempty"`
}
