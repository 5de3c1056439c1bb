package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/backcoach/backcoach/models"
)

// This file reads the live sessions' logs (web.SessionLog: one JSON object
// per line, {"event", "wall", "t", "data"}, in DATA/session-ID.jsonl) for
// `backcoach sessions` and for reports of finished sessions.

// Session is what a session log tells about one live session.
type Session struct {
	ID       string    // from the file name: session-ID.jsonl
	Path     string    // the log file
	Started  time.Time // wall clock of the first event
	Ended    time.Time // wall clock of the last event
	Length   float64   // session seconds of the last event
	Source   string    // camera, file or demo
	Demo     bool      // the bundled demo recording was used
	Routine  string
	Back     *models.Back // nil when the back was never calibrated
	Strokes  []models.Stroke
	Feedback []models.Feedback
	// Summary is the coach's closing summary; nil when the session ended
	// without one (the program was killed or crashed).
	Summary *models.Summary
	// BadLines counts lines that could not be read (a line cut short by a
	// crash, for example); they are skipped.
	BadLines int
	// HTML is the session's report page (session-ID.html beside the log)
	// when there is one.
	HTML string
}

// logLine is one line of a session log.
type logLine struct {
	Event string          `json:"event"`
	Wall  time.Time       `json:"wall"`
	T     float64         `json:"t"`
	Data  json.RawMessage `json:"data"`
}

// maxLogLine bounds one line of a session log (a summary or stroke is far
// smaller; a longer line is skipped as damaged).
const maxLogLine = 1 << 20

// ReadSession reads one session log. Damaged lines are skipped and counted;
// only an unreadable file is an error.
func ReadSession(path string) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read session %s: %w", path, err)
	}
	defer f.Close()
	s, err := parseSession(f)
	if err != nil {
		return nil, fmt.Errorf("read session %s: %w", path, err)
	}
	s.Path = path
	base := filepath.Base(path)
	s.ID = strings.TrimSuffix(strings.TrimPrefix(base, "session-"), ".jsonl")
	html := strings.TrimSuffix(path, ".jsonl") + ".html"
	if st, err := os.Stat(html); err == nil && st.Mode().IsRegular() {
		s.HTML = html
	}
	return s, nil
}

func parseSession(r io.Reader) (*Session, error) {
	s := &Session{}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := readLine(br)
		if len(line) > 0 {
			s.add(line)
		}
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return s, err
		}
	}
}

// readLine reads one line, dropping (and marking as damaged) lines longer
// than maxLogLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(line)+len(chunk) <= maxLogLine {
			line = append(line, chunk...)
		} else {
			line = []byte("{damaged")
		}
		if err != nil || !isPrefix {
			return line, err
		}
	}
}

// add folds one line into the session.
func (s *Session) add(raw []byte) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return
	}
	var l logLine
	if err := json.Unmarshal(raw, &l); err != nil || l.Event == "" {
		s.BadLines++
		return
	}
	if !l.Wall.IsZero() {
		if s.Started.IsZero() {
			s.Started = l.Wall
		}
		s.Ended = l.Wall
	}
	if l.T > s.Length && finite(l.T) {
		s.Length = l.T
	}
	bad := func(err error) {
		if err != nil {
			s.BadLines++
		}
	}
	switch l.Event {
	case "start":
		var d struct {
			Source  string `json:"source"`
			Demo    bool   `json:"demo"`
			Routine string `json:"routine"`
		}
		bad(json.Unmarshal(l.Data, &d))
		s.Source, s.Demo, s.Routine = d.Source, d.Demo, d.Routine
	case "calibration":
		var d struct {
			Back *models.Back `json:"back"`
		}
		bad(json.Unmarshal(l.Data, &d))
		if d.Back != nil {
			s.Back = d.Back
		}
	case "stroke":
		var st models.Stroke
		if err := json.Unmarshal(l.Data, &st); err != nil {
			bad(err)
			return
		}
		s.Strokes = append(s.Strokes, st)
	case "feedback":
		var fb models.Feedback
		if err := json.Unmarshal(l.Data, &fb); err != nil {
			bad(err)
			return
		}
		s.Feedback = append(s.Feedback, fb)
	case "summary":
		var sum models.Summary
		if err := json.Unmarshal(l.Data, &sum); err != nil {
			bad(err)
			return
		}
		s.Summary = &sum
	}
}

// ListSessions reads every session log (session-*.jsonl) in dir, newest
// first. A missing folder is no sessions, not an error; a log that cannot be
// read is skipped and named in the returned error list.
func ListSessions(dir string) ([]*Session, []error, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list sessions in %s: %w", dir, err)
	}
	var out []*Session
	var skipped []error
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, "session-") || !strings.HasSuffix(name, ".jsonl") {
			continue
		}
		s, err := ReadSession(filepath.Join(dir, name))
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.After(out[j].Started)
		}
		return out[i].ID > out[j].ID
	})
	return out, skipped, nil
}

// Summarised returns the session's summary: the coach's closing one, or one
// counted from the logged strokes and feedback when the session ended
// without it.
func (s *Session) Summarised() models.Summary {
	if s.Summary != nil {
		sum := *s.Summary
		if sum.Codes == nil {
			sum.Codes = map[models.Code]int{}
		}
		return sum
	}
	sum := models.Summary{Duration: s.Length, Codes: map[models.Code]int{}}
	for _, st := range s.Strokes {
		sum.Strokes++
		if st.Good() {
			sum.GoodStrokes++
		}
	}
	for _, f := range s.Feedback {
		if f.Code != models.CodeGoodStroke {
			sum.Codes[f.Code]++
		}
	}
	return sum
}

// Headline says the summary in one plain line, such as "4 of 6 strokes were
// good; slow down on the way up."
func (s *Session) Headline() string {
	sum := s.Summarised()
	rep := &models.Report{Strokes: s.Strokes, Feedback: s.Feedback, Summary: sum}
	head, advice := plainWords(rep, sum.Strokes, sum.GoodStrokes)
	if advice == "" {
		return head + "."
	}
	return head + "; " + strings.ToLower(advice[:1]) + advice[1:]
}

// Report turns the session into a report for WriteHTML. A live session logs
// no hand positions, so the page shows strokes, feedback, balance and
// summary but no paths or heatmap.
func (s *Session) Report() *models.Report {
	rep := &models.Report{
		Routine:  s.Routine,
		Frames:   []models.ReportFrame{},
		Strokes:  append([]models.Stroke{}, s.Strokes...),
		Feedback: append([]models.Feedback{}, s.Feedback...),
		Summary:  s.Summarised(),
	}
	if s.Back != nil {
		rep.Back = *s.Back
	}
	return rep
}

// WriteSessionHTML writes the report page of a finished live session beside
// its log (DATA/session-ID.jsonl → DATA/session-ID.html, which `backcoach
// sessions` then lists) and returns the page's path. frames (may be nil) are
// the palm centres the session saw, for the paths and the heatmap; still is a
// JPEG of the back without hands (may be nil). The page is private to the
// owner (0600).
func WriteSessionHTML(logPath string, frames []models.ReportFrame, still []byte) (string, error) {
	s, err := ReadSession(logPath)
	if err != nil {
		return "", err
	}
	rep := s.Report()
	if frames != nil {
		rep.Frames = frames
	}
	page := strings.TrimSuffix(logPath, ".jsonl") + ".html"
	// The page holds a picture of the back: the owner's eyes only, like the
	// log, from the moment it exists.
	if err := writeFile(page, rep, still, 0o600); err != nil {
		return "", err
	}
	return page, nil
}
