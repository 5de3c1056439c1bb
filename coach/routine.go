package coach

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed routine.yaml
var defaultRoutineYAML []byte

// DefaultRoutineFile is the name the embedded routine is known by in errors.
const DefaultRoutineFile = "routine.yaml"

// Routine is a massage routine: every threshold the coach judges by. All
// positions are back coordinates (u, v) of DESIGN.md, lengths are back
// lengths L, speeds L per second and times seconds.
type Routine struct {
	// Name identifies the routine in reports ("back-basic").
	Name string `yaml:"name"`
	// Description is a line for people.
	Description string `yaml:"description"`
	// Start is where an ascent must begin.
	Start StartBand `yaml:"start"`
	// Side is the |u| band beside the spine where the hands should work.
	Side SideBand `yaml:"side"`
	// Spine is the band the hands must stay off.
	Spine SpineBand `yaml:"spine"`
	// Shoulders is the top of the ascent.
	Shoulders Shoulders `yaml:"shoulders"`
	// Circles are the small circles of the ascent.
	Circles Circles `yaml:"circles"`
	// Pace is how slow the hands must go.
	Pace Pace `yaml:"pace"`
	// WrongDirection is when sliding down the back is reported.
	WrongDirection WrongDirection `yaml:"wrong_direction"`
	// HandsLost is when missing hands are reported.
	HandsLost HandsLost `yaml:"hands_lost"`
	// Debounce is the shortest time between two reports of the same code for
	// the same hand, in seconds.
	Debounce float64 `yaml:"debounce"`
	// Tracking holds how hands are followed and strokes are cut.
	Tracking Tracking `yaml:"tracking"`
	// Smoothing is the One Euro filter applied to palm centres.
	Smoothing Smoothing `yaml:"smoothing"`
}

// StartBand is where an ascent must begin.
type StartBand struct {
	// VMax: an ascent beginning above this v gets start_low.
	VMax float64 `yaml:"v_max"`
}

// SideBand is the |u| band beside the spine.
type SideBand struct {
	// UMin is the inner edge of the band in half widths.
	UMin float64 `yaml:"u_min"`
	// UMax is the outer edge of the band in half widths.
	UMax float64 `yaml:"u_max"`
}

// SpineBand is the spine area the hands must stay off.
type SpineBand struct {
	// UMax: |u| below this is on the spine.
	UMax float64 `yaml:"u_max"`
	// VMin and VMax bound the band in v (exclusive).
	VMin float64 `yaml:"v_min"`
	// VMax is the upper bound of the band in v.
	VMax float64 `yaml:"v_max"`
	// Persist is how long a hand may be on the spine before on_spine, in s.
	Persist float64 `yaml:"persist"`
}

// Shoulders is the top of the ascent.
type Shoulders struct {
	// VMin: an ascent must reach this v, else reach_shoulders.
	VMin float64 `yaml:"v_min"`
}

// Circles are the small circles the hands make on the way up.
type Circles struct {
	// MinCount is the least number of circles per ascent (0: none needed).
	MinCount float64 `yaml:"min_count"`
	// RadiusMin: loops smaller than this (L) are jitter, not circles.
	RadiusMin float64 `yaml:"radius_min"`
	// RadiusMax: loops larger than this (L) are not small circles.
	RadiusMax float64 `yaml:"radius_max"`
}

// Pace is how slowly the hands must move.
type Pace struct {
	// SpeedLimit is the highest smoothed hand speed, L/s.
	SpeedLimit float64 `yaml:"speed_limit"`
	// SpeedWindow is the time the speed is smoothed over, s.
	SpeedWindow float64 `yaml:"speed_window"`
	// TooFastPersist is how long the speed may exceed the limit, s.
	TooFastPersist float64 `yaml:"too_fast_persist"`
	// MinAscent is the shortest time a full ascent may take, s.
	MinAscent float64 `yaml:"min_ascent"`
}

// WrongDirection says when sliding down the back is reported.
type WrongDirection struct {
	// Drop is the fall of v, in L, while on the back that gets wrong_direction.
	Drop float64 `yaml:"drop"`
}

// HandsLost says when missing hands are reported.
type HandsLost struct {
	// After is how long no hand may be seen mid-session, s.
	After float64 `yaml:"after"`
}

// Tracking holds how hands are followed and strokes are cut.
type Tracking struct {
	// Settle is how long a new hand must be seen steadily on the back before
	// anything it does is judged, s.
	Settle float64 `yaml:"settle"`
	// Confirm is how long a hand that reappears mid-session (lifted off and put
	// back) must be seen before it is judged, s.
	Confirm float64 `yaml:"confirm"`
	// ConfirmFrames is how many detections make a hand (fewer: a false
	// detection, ignored).
	ConfirmFrames Count `yaml:"confirm_frames"`
	// Coast is how long a hand may go unseen and still be the same hand, s.
	Coast float64 `yaml:"coast"`
	// Gate is the farthest, in L, a detection may be from a hand's predicted
	// position to be that hand.
	Gate float64 `yaml:"gate"`
	// Rejoin is how near, in L, a hand found again must be to where a lost
	// hand was expected to continue its stroke (farther: it was lifted and
	// put down elsewhere).
	Rejoin float64 `yaml:"rejoin"`
	// MaxHands is the number of hands followed at once.
	MaxHands Count `yaml:"max_hands"`
	// BackUMax: |u| beyond this is off the back (the arms).
	BackUMax float64 `yaml:"back_u_max"`
	// BackVMin and BackVMax bound the back in v.
	BackVMin float64 `yaml:"back_v_min"`
	// BackVMax is the top of the back region in v.
	BackVMax float64 `yaml:"back_v_max"`
	// TrendWindow is the window of the moving averages that take the circles
	// out of a path, s.
	TrendWindow float64 `yaml:"trend_window"`
	// AscentRise is how far, in L, the trend must rise before an ascent is
	// recognised.
	AscentRise float64 `yaml:"ascent_rise"`
	// AscentMinRise is how far, in L, an ascent must rise to be a stroke.
	AscentMinRise float64 `yaml:"ascent_min_rise"`
	// MinCoverage is the least share of an ascent's frames the hand must be
	// seen in for the stroke to be judged.
	MinCoverage float64 `yaml:"min_coverage"`
	// TurnDrop is how far, in L, the trend must fall before an ascent is over.
	TurnDrop float64 `yaml:"turn_drop"`
}

// Smoothing holds the One Euro filter parameters for palm centres.
type Smoothing struct {
	// MinCutoff is the cutoff frequency at rest, Hz.
	MinCutoff float64 `yaml:"min_cutoff"`
	// Beta is the cutoff growth per L/s of speed.
	Beta float64 `yaml:"beta"`
	// DCutoff is the cutoff of the speed estimate, Hz.
	DCutoff float64 `yaml:"d_cutoff"`
}

// Count is a whole number in a routine file; unlike a plain int it refuses
// 1.5 rather than rounding it.
type Count int

// UnmarshalYAML accepts only an integer scalar.
func (c *Count) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return fmt.Errorf("line %d: cannot unmarshal %s `%s` into a whole number", n.Line, n.ShortTag(), n.Value)
	}
	v, err := strconv.ParseInt(n.Value, 0, 32)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a whole number", n.Line, n.Value)
	}
	*c = Count(v)
	return nil
}

// RoutineError is a problem with a routine file: which file, which line (0
// when unknown) and which field (dotted path, "" when unknown).
type RoutineError struct {
	// File is the routine file's name as given.
	File string
	// Line is the line of the problem, from 1 (0: the whole file).
	Line int
	// Field is the dotted path of the field ("pace.speed_limit"), if known.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error formats the problem as "file:line: field: message".
func (e *RoutineError) Error() string {
	var b strings.Builder
	b.WriteString("routine ")
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Field != "" {
		b.WriteString(": field " + e.Field)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

var builtin *Routine

func init() {
	r, err := parseRoutine(DefaultRoutineFile, defaultRoutineYAML, &Routine{})
	if err != nil {
		// The embedded file is part of the program; tests keep it valid.
		builtin = nil
		return
	}
	builtin = r
}

// DefaultRoutine returns a copy of the embedded default routine (back-basic).
func DefaultRoutine() *Routine {
	if builtin == nil {
		return nil
	}
	r := *builtin
	return &r
}

// DefaultRoutineYAML returns the text of the embedded default routine, a
// starting point for a user's own file.
func DefaultRoutineYAML() []byte { return bytes.Clone(defaultRoutineYAML) }

// LoadRoutine reads and validates a routine file. Fields the file leaves out
// keep their default values.
func LoadRoutine(path string) (*Routine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load routine: %w", err)
	}
	return ParseRoutine(path, data)
}

// ParseRoutine parses and validates routine YAML; name is the file name used
// in errors (and as the routine's name if the text gives none). Fields the text leaves out keep their default values; unknown
// fields, wrong types and impossible values are errors (*RoutineError).
func ParseRoutine(name string, data []byte) (*Routine, error) {
	base := DefaultRoutine()
	if base == nil {
		return nil, &RoutineError{File: DefaultRoutineFile, Msg: "embedded default routine is invalid"}
	}
	base.Name = ""
	base.Description = ""
	r, err := parseRoutine(name, data, base)
	if err != nil {
		return nil, err
	}
	if r.Name == "" {
		// A routine without a name is known by its file's.
		r.Name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	return r, nil
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func parseRoutine(name string, data []byte, r *Routine) (out *Routine, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, &RoutineError{File: name, Msg: fmt.Sprintf("unreadable YAML (%v)", p)}
		}
	}()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, &root, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &RoutineError{File: name, Msg: "empty routine"}
	}
	if doc := root.Content[0]; doc.Kind != yaml.MappingNode {
		return nil, &RoutineError{File: name, Line: doc.Line, Msg: "a routine must be a mapping of fields"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(r); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &RoutineError{File: name, Msg: "empty routine"}
		}
		return nil, yamlError(name, &root, err)
	}
	// A second document is a mistake (a stray "---").
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &RoutineError{File: name, Line: extra.Line, Msg: "more than one YAML document"}
	}
	if verr := r.validate(); verr != nil {
		verr.File = name
		verr.Line = fieldLine(&root, verr.Field)
		return nil, verr
	}
	return r, nil
}

// yamlError turns a yaml.v3 error into a RoutineError naming the line and,
// where the line holds one, the field.
func yamlError(name string, root *yaml.Node, err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	re := &RoutineError{File: name, Msg: msg}
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		re.Line, _ = strconv.Atoi(m[1])
		re.Msg = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(msg, m[0]), ":"))
		re.Field = fieldAtLine(root, re.Line)
	}
	re.Msg = plainYAMLMsg(re.Msg)
	return re
}

var (
	unknownRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
	typeRE    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (\\S+)$")
)

// plainYAMLMsg says yaml.v3's messages in the routine's terms.
func plainYAMLMsg(m string) string {
	if s := unknownRE.FindStringSubmatch(m); s != nil {
		return fmt.Sprintf("unknown field %q (see the default routine for the fields)", s[1])
	}
	if s := typeRE.FindStringSubmatch(m); s != nil {
		want := "a number"
		switch {
		case strings.Contains(s[3], "coach."):
			want = "a section of fields"
		case s[3] == "string":
			want = "text"
		}
		return fmt.Sprintf("want %s, got %s %q (cannot unmarshal)", want, s[1], s[2])
	}
	return m
}

// fieldAtLine finds the dotted path of the key on a line of the document.
func fieldAtLine(root *yaml.Node, line int) string {
	if root == nil || len(root.Content) == 0 {
		return ""
	}
	var found string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := k.Value
			if prefix != "" {
				path = prefix + "." + k.Value
			}
			if k.Line == line || (v.Kind == yaml.ScalarNode && v.Line == line) {
				found = path
			}
			walk(v, path)
		}
	}
	walk(root.Content[0], "")
	return found
}

// fieldLine finds the line of a dotted field path (0 when the file leaves it out).
func fieldLine(root *yaml.Node, field string) int {
	if root == nil || len(root.Content) == 0 || field == "" {
		return 0
	}
	n := root.Content[0]
	line := 0
	for _, part := range strings.Split(field, ".") {
		if n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line = n.Content[i].Line
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// validate rejects impossible values. It fills Field and Msg only.
func (r *Routine) validate() *RoutineError {
	bad := func(field, format string, a ...any) *RoutineError {
		return &RoutineError{Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	type num struct {
		field string
		v     float64
	}
	all := []num{
		{"start.v_max", r.Start.VMax}, {"side.u_min", r.Side.UMin}, {"side.u_max", r.Side.UMax},
		{"spine.u_max", r.Spine.UMax}, {"spine.v_min", r.Spine.VMin}, {"spine.v_max", r.Spine.VMax},
		{"spine.persist", r.Spine.Persist}, {"shoulders.v_min", r.Shoulders.VMin},
		{"circles.min_count", r.Circles.MinCount},
		{"circles.radius_min", r.Circles.RadiusMin}, {"circles.radius_max", r.Circles.RadiusMax},
		{"pace.speed_limit", r.Pace.SpeedLimit}, {"pace.speed_window", r.Pace.SpeedWindow},
		{"pace.too_fast_persist", r.Pace.TooFastPersist}, {"pace.min_ascent", r.Pace.MinAscent},
		{"wrong_direction.drop", r.WrongDirection.Drop}, {"hands_lost.after", r.HandsLost.After},
		{"debounce", r.Debounce},
		{"tracking.settle", r.Tracking.Settle}, {"tracking.confirm", r.Tracking.Confirm},
		{"tracking.coast", r.Tracking.Coast}, {"tracking.gate", r.Tracking.Gate}, {"tracking.rejoin", r.Tracking.Rejoin},
		{"tracking.back_u_max", r.Tracking.BackUMax}, {"tracking.back_v_min", r.Tracking.BackVMin},
		{"tracking.back_v_max", r.Tracking.BackVMax}, {"tracking.trend_window", r.Tracking.TrendWindow},
		{"tracking.ascent_rise", r.Tracking.AscentRise}, {"tracking.ascent_min_rise", r.Tracking.AscentMinRise},
		{"tracking.turn_drop", r.Tracking.TurnDrop}, {"tracking.min_coverage", r.Tracking.MinCoverage},
		{"smoothing.min_cutoff", r.Smoothing.MinCutoff}, {"smoothing.beta", r.Smoothing.Beta},
		{"smoothing.d_cutoff", r.Smoothing.DCutoff},
	}
	for _, n := range all {
		if math.IsNaN(n.v) || math.IsInf(n.v, 0) {
			return bad(n.field, "must be a finite number, got %v", n.v)
		}
	}
	for _, n := range all {
		if n.field == "tracking.back_v_min" {
			continue // may be below the waist
		}
		if n.v < 0 {
			return bad(n.field, "must not be negative, got %v", n.v)
		}
	}
	positive := []num{
		{"pace.speed_limit", r.Pace.SpeedLimit}, {"pace.speed_window", r.Pace.SpeedWindow},
		{"wrong_direction.drop", r.WrongDirection.Drop}, {"hands_lost.after", r.HandsLost.After},
		{"circles.radius_max", r.Circles.RadiusMax}, {"side.u_max", r.Side.UMax},
		{"tracking.coast", r.Tracking.Coast}, {"tracking.gate", r.Tracking.Gate}, {"tracking.rejoin", r.Tracking.Rejoin},
		{"tracking.back_u_max", r.Tracking.BackUMax}, {"tracking.trend_window", r.Tracking.TrendWindow},
		{"tracking.ascent_rise", r.Tracking.AscentRise}, {"tracking.turn_drop", r.Tracking.TurnDrop},
		{"smoothing.min_cutoff", r.Smoothing.MinCutoff}, {"smoothing.d_cutoff", r.Smoothing.DCutoff},
	}
	for _, n := range positive {
		if n.v <= 0 {
			return bad(n.field, "must be greater than 0, got %v", n.v)
		}
	}
	switch {
	case r.Circles.MinCount > 100:
		return bad("circles.min_count", "must be at most 100, got %v", r.Circles.MinCount)
	case r.Tracking.MinCoverage > 1:
		return bad("tracking.min_coverage", "must be at most 1, got %v", r.Tracking.MinCoverage)
	case r.Tracking.ConfirmFrames < 1 || r.Tracking.ConfirmFrames > 30:
		return bad("tracking.confirm_frames", "must be between 1 and 30, got %d", r.Tracking.ConfirmFrames)
	case r.Tracking.MaxHands < 1 || r.Tracking.MaxHands > 8:
		return bad("tracking.max_hands", "must be between 1 and 8, got %d", r.Tracking.MaxHands)
	case r.Side.UMin >= r.Side.UMax:
		return bad("side.u_min", "must be below side.u_max (%v), got %v", r.Side.UMax, r.Side.UMin)
	case r.Spine.UMax > r.Side.UMin:
		return bad("spine.u_max", "must not be above side.u_min (%v): the band beside the spine would overlap it, got %v", r.Side.UMin, r.Spine.UMax)
	case r.Spine.VMin >= r.Spine.VMax:
		return bad("spine.v_min", "must be below spine.v_max (%v), got %v", r.Spine.VMax, r.Spine.VMin)
	case r.Circles.RadiusMin >= r.Circles.RadiusMax:
		return bad("circles.radius_min", "must be below circles.radius_max (%v), got %v", r.Circles.RadiusMax, r.Circles.RadiusMin)
	case r.Start.VMax >= r.Shoulders.VMin:
		return bad("start.v_max", "must be below shoulders.v_min (%v), got %v", r.Shoulders.VMin, r.Start.VMax)
	case r.Shoulders.VMin > r.Tracking.BackVMax:
		return bad("shoulders.v_min", "must not be above tracking.back_v_max (%v), got %v", r.Tracking.BackVMax, r.Shoulders.VMin)
	case r.Tracking.BackVMin >= r.Start.VMax:
		return bad("tracking.back_v_min", "must be below start.v_max (%v), got %v", r.Start.VMax, r.Tracking.BackVMin)
	case r.Side.UMax > r.Tracking.BackUMax:
		return bad("side.u_max", "must not be beyond tracking.back_u_max (%v), got %v", r.Tracking.BackUMax, r.Side.UMax)
	case r.Tracking.AscentRise > r.Tracking.AscentMinRise:
		return bad("tracking.ascent_rise", "must not be above tracking.ascent_min_rise (%v), got %v", r.Tracking.AscentMinRise, r.Tracking.AscentRise)
	case r.Pace.SpeedWindow > 10:
		return bad("pace.speed_window", "must be at most 10 s, got %v", r.Pace.SpeedWindow)
	case r.Tracking.TrendWindow > 10:
		return bad("tracking.trend_window", "must be at most 10 s, got %v", r.Tracking.TrendWindow)
	}
	return nil
}
