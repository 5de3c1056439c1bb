// Package report renders a session or replay report (models.Report) as one
// self-contained HTML page for people: a still of the back with the hands'
// paths, a coverage heatmap, a timeline of strokes and feedback, a per-stroke
// table and the summary in plain words. The page needs no network: styles
// are inline, pictures are inline SVG and the still is a base64 data URL.
package report

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"github.com/backcoach/backcoach/internal/atomicfile"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/backcoach/backcoach/models"
)

// The routine's guide values the page draws (DESIGN.md, "The routine"). The
// report does not carry the routine, so the defaults are used.
const (
	startBand = 0.30
	shoulderV = 0.85
	spineBand = 0.10
	maxSpeed  = 0.45 // back lengths per second
	minAscent = 3.0  // seconds
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"f1":    func(x float64) string { return num(x, 1) },
	"f2":    func(x float64) string { return num(x, 2) },
	"clock": clock,
	"addf":  func(a, b float64) float64 { return a + b },
	"subf":  func(a, b float64) float64 { return a - b },
	"halff": func(a float64) float64 { return a / 2 },
}).Parse(pageTemplate))

// WriteHTML writes rep as a single self-contained HTML page to w. still is a
// JPEG of the back (ideally a frame without hands) drawn under the hands'
// paths; it may be nil, then the paths are drawn on a plain background.
func WriteHTML(w io.Writer, rep *models.Report, still []byte) error {
	if rep == nil {
		return errors.New("html report: no report")
	}
	v := build(rep, still)
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return fmt.Errorf("html report: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("html report: write: %w", err)
	}
	return nil
}

// WriteFile writes the HTML report to path through a temporary file in the
// same folder and a rename, so a failure never leaves half a page behind.
func WriteFile(path string, rep *models.Report, still []byte) error {
	return writeFile(path, rep, still, 0o644)
}

func writeFile(path string, rep *models.Report, still []byte, perm os.FileMode) error {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, rep, still); err != nil {
		return err
	}
	if err := atomicfile.Write(path, buf.Bytes(), perm); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// view is everything the template shows, computed in Go.
type view struct {
	Title    string
	Source   string
	Routine  string
	Duration float64

	Strokes, Good, Feedbacks int
	Headline                 string // "4 of 6 strokes were good"
	Advice                   string // the rest of the plain-words summary
	Praise                   bool   // every stroke was good

	Still    stillView
	Heat     heatView
	Balance  balanceView
	Timeline timelineView
	Rows     []strokeRow
	Codes    []codeCount
	Said     []saidRow
}

// clock formats seconds as m:ss.
func clock(s float64) string {
	if !finite(s) || s < 0 {
		s = 0
	}
	n := int(math.Round(s))
	return fmt.Sprintf("%d:%02d", n/60, n%60)
}

// num formats x with prec decimals; a NaN or infinite value (a damaged
// report) shows as 0 rather than breaking the SVG.
func num(x float64, prec int) string {
	if !finite(x) {
		return "0"
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func build(rep *models.Report, still []byte) view {
	// Strokes in the order they started, so the table and the timeline
	// number them alike and in time order.
	sorted := *rep
	sorted.Strokes = append([]models.Stroke(nil), rep.Strokes...)
	sort.SliceStable(sorted.Strokes, func(i, j int) bool { return sorted.Strokes[i].Start < sorted.Strokes[j].Start })
	rep = &sorted
	s := rep.Summary
	v := view{
		Title:    "Back massage report",
		Source:   filepath.Base(rep.Source.Path),
		Routine:  rep.Routine,
		Duration: duration(rep),
		Strokes:  s.Strokes,
		Good:     s.GoodStrokes,
	}
	if rep.Source.Path == "" {
		v.Source = "live session"
	}
	if v.Strokes == 0 && v.Good == 0 && len(rep.Strokes) > 0 {
		// A report without a summary: count the strokes themselves.
		for _, st := range rep.Strokes {
			v.Strokes++
			if st.Good() {
				v.Good++
			}
		}
	}
	v.Headline, v.Advice = plainWords(rep, v.Strokes, v.Good)
	v.Praise = v.Strokes > 0 && v.Good == v.Strokes
	tracks := linkTracks(rep)
	v.Still = buildStill(rep, still, tracks)
	v.Heat = buildHeat(rep)
	v.Balance = buildBalance(rep, v.Heat)
	v.Timeline = buildTimeline(rep, v.Duration)
	v.Rows = buildRows(rep)
	v.Codes = buildCodes(rep)
	v.Said = buildSaid(rep)
	v.Feedbacks = len(rep.Feedback)
	return v
}

// duration is the session length: the summary's, or the last thing seen.
func duration(rep *models.Report) float64 {
	d := rep.Summary.Duration
	if n := len(rep.Frames); n > 0 && rep.Frames[n-1].T > d {
		d = rep.Frames[n-1].T
		if rep.Source.FPS > 0 {
			d += 1 / rep.Source.FPS
		}
	}
	for _, st := range rep.Strokes {
		d = math.Max(d, st.End)
	}
	for _, f := range rep.Feedback {
		d = math.Max(d, f.T)
	}
	if !finite(d) || d < 0 {
		return 0
	}
	return d
}

// plainWords splits the summary into a headline ("4 of 6 strokes were good")
// and advice ("slow down on the way up."). The coach's own advice wins when
// the report carries it.
func plainWords(rep *models.Report, strokes, good int) (headline, advice string) {
	switch {
	case strokes == 0:
		headline = "No complete strokes yet"
	case good == strokes && strokes == 1:
		headline = "The stroke was good"
	case good == strokes:
		headline = fmt.Sprintf("All %d strokes were good", strokes)
	case strokes == 1:
		headline = "0 of 1 strokes were good"
	default:
		headline = fmt.Sprintf("%d of %d strokes were good", good, strokes)
	}
	if a := strings.TrimSpace(rep.Summary.Advice); a != "" {
		// The coach writes "4 of 6 strokes were good; slow down on the way up."
		if i := strings.Index(a, ";"); i >= 0 && strings.Contains(a[:i], "strokes were good") {
			a = strings.TrimSpace(a[i+1:])
		} else if i := strings.Index(a, ":"); i >= 0 && strings.HasPrefix(a, "No strokes") {
			a = strings.TrimSpace(a[i+1:])
		} else if strings.HasPrefix(a, "No complete strokes yet;") {
			a = strings.TrimSpace(strings.TrimPrefix(a, "No complete strokes yet;"))
		}
		return headline, capitalise(a)
	}
	// No advice in the report: name the most frequent fault.
	faults := map[models.Code]int{}
	for _, st := range rep.Strokes {
		for _, c := range st.Verdicts {
			faults[c] += 10
		}
	}
	for _, f := range rep.Feedback {
		faults[f.Code]++
	}
	best, bestN := models.Code(""), 0
	for _, c := range models.AllCodes {
		if c.Advice() != "" && faults[c] > bestN {
			best, bestN = c, faults[c]
		}
	}
	switch {
	case best != "":
		advice = best.Advice() + "."
	case strokes == 0:
		advice = "start at the lower back and move slowly up to the shoulders, circling."
	default:
		advice = "keep that slow, circling rhythm."
	}
	return headline, capitalise(advice)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// verdictLabel is the short chip text of a stroke verdict.
var verdictLabel = map[models.Code]string{
	models.CodeGoodStroke:     "Good stroke",
	models.CodeTooFast:        "Too fast",
	models.CodeOnSpine:        "On the spine",
	models.CodeNoCircles:      "Too few circles",
	models.CodeStartLow:       "Started too high",
	models.CodeReachShoulders: "Stopped short of the shoulders",
	models.CodeWrongDirection: "Slid down the back",
	models.CodeAvoidZone:      "Touched a marked area",
	models.CodeHandsLost:      "Hands out of view",
	models.CodeLighter:        "Asked: lighter",
	models.CodeFirmer:         "Asked: firmer",
	models.CodeStop:           "Asked to stop",
}

func label(c models.Code) string {
	if l := verdictLabel[c]; l != "" {
		return l
	}
	return string(c)
}

func message(c models.Code, msg string) string {
	if msg != "" {
		return msg
	}
	if m := c.Message(); m != "" {
		return m
	}
	return string(c)
}

// kind sorts a code into a colour family: good, fault, ask (receiver) or stop.
func kind(c models.Code) string {
	switch c {
	case models.CodeGoodStroke:
		return "good"
	case models.CodeStop:
		return "stop"
	case models.CodeLighter, models.CodeFirmer:
		return "ask"
	}
	return "fault"
}

// chip is one verdict in the stroke table.
type chip struct {
	Label, Title, Kind string
}

// strokeRow is one row of the per-stroke table.
type strokeRow struct {
	N         int
	Hand      string
	Start     float64
	Duration  float64
	Short     bool // shorter than the routine's minimum ascent
	Circles   int
	FewCircle bool
	Pace      float64
	PaceWord  string
	Fast      bool
	Good      bool
	Verdicts  []chip
}

func buildRows(rep *models.Report) []strokeRow {
	rows := make([]strokeRow, 0, len(rep.Strokes))
	for i, st := range rep.Strokes {
		r := strokeRow{
			N:        i + 1,
			Hand:     fmt.Sprintf("Hand %d", st.Hand+1),
			Start:    st.Start,
			Duration: math.Max(0, st.End-st.Start),
			Circles:  st.Circles,
			Pace:     st.PeakSpeed,
			Good:     st.Good(),
		}
		r.Short = r.Duration < minAscent
		r.FewCircle = st.Circles < 2
		// The coach calls a stroke too fast when the pace stays over the
		// limit (a moment over it is fine) or when the stroke was too short;
		// the pace is marked only in the first case, the time in the second.
		tooFast := false
		for _, c := range st.Verdicts {
			tooFast = tooFast || c == models.CodeTooFast
		}
		r.Fast = tooFast && st.PeakSpeed > maxSpeed
		switch {
		case r.Fast:
			r.PaceWord = "too fast"
		case st.PeakSpeed > maxSpeed:
			r.PaceWord = "brisk peak"
		case st.PeakSpeed > 0.8*maxSpeed:
			r.PaceWord = "brisk"
		default:
			r.PaceWord = "calm"
		}
		for _, c := range st.Verdicts {
			r.Verdicts = append(r.Verdicts, chip{Label: label(c), Title: message(c, ""), Kind: kind(c)})
		}
		if len(r.Verdicts) == 0 {
			r.Verdicts = []chip{{Label: "No verdict", Kind: "fault"}}
		}
		rows = append(rows, r)
	}
	return rows
}

// codeCount is one line of the feedback legend: a code and how often it was said.
type codeCount struct {
	Code    string
	Label   string
	Message string
	Kind    string
	N       int
}

func buildCodes(rep *models.Report) []codeCount {
	n := map[models.Code]int{}
	for _, f := range rep.Feedback {
		n[f.Code]++
	}
	var out []codeCount
	seen := map[models.Code]bool{}
	add := func(c models.Code) {
		if n[c] == 0 || seen[c] {
			return
		}
		seen[c] = true
		out = append(out, codeCount{Code: string(c), Label: label(c), Message: message(c, ""), Kind: kind(c), N: n[c]})
	}
	for _, c := range models.AllCodes {
		add(c)
	}
	var rest []models.Code
	for c := range n {
		if !seen[c] {
			rest = append(rest, c)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	for _, c := range rest {
		add(c)
	}
	return out
}

// saidRow is one line of "what the coach said".
type saidRow struct {
	T       float64
	Label   string
	Message string
	Kind    string
}

func buildSaid(rep *models.Report) []saidRow {
	out := make([]saidRow, 0, len(rep.Feedback))
	for _, f := range rep.Feedback {
		m := message(f.Code, f.Message)
		if f.Hand != nil {
			m = fmt.Sprintf("Hand %d: %s", *f.Hand+1, m)
		}
		out = append(out, saidRow{T: f.T, Label: label(f.Code), Message: m, Kind: kind(f.Code)})
	}
	return out
}
