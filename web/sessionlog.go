package web

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// SessionLog writes one live session as JSON lines: one object per event
// (start, calibration, zones, coaching, stroke, feedback, receiver, status,
// summary). Every line is written with a single write call as soon as it
// happens, so a crash or kill -9 loses at most the event being written, and
// every line before it stays valid JSON. Camera frames are never written.
type SessionLog struct {
	mu   sync.Mutex
	f    *os.File
	path string
	err  error
}

// Event names of the session log.
const (
	EventStart       = "start"
	EventCalibration = "calibration"
	EventZones       = "zones"
	EventCoaching    = "coaching"
	EventStroke      = "stroke"
	EventFeedback    = "feedback"
	EventReceiver    = "receiver"
	EventStatus      = "status"
	EventSummary     = "summary"
)

// DefaultDataDir is $XDG_DATA_HOME/backcoach, or ~/.local/share/backcoach.
func DefaultDataDir() (string, error) {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "backcoach"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the data folder: %w (use --data DIR)", err)
	}
	return filepath.Join(home, ".local", "share", "backcoach"), nil
}

// OpenSessionLog creates the data folder if needed and a new log file in it
// named after the session.
func OpenSessionLog(dir, session string) (*SessionLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, "session-"+session+".jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create session log: %w", err)
	}
	return &SessionLog{f: f, path: path}, nil
}

// Path is the log file's path.
func (l *SessionLog) Path() string { return l.path }

// Write appends one event: {"event":..., "wall":..., "t":..., "data":...}.
// t is the session time in seconds. The first write error is kept and
// returned; later events are then skipped.
func (l *SessionLog) Write(event string, t float64, data any) error {
	if l == nil {
		return nil
	}
	line, err := json.Marshal(struct {
		Event string    `json:"event"`
		Wall  time.Time `json:"wall"`
		T     float64   `json:"t"`
		Data  any       `json:"data,omitempty"`
	}{event, time.Now().UTC(), round3(t), data})
	if err != nil {
		return fmt.Errorf("session log %s: encode %s: %w", l.path, event, err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if l.f == nil {
		return fmt.Errorf("session log %s: closed", l.path)
	}
	if _, err := l.f.Write(line); err != nil {
		l.err = fmt.Errorf("session log %s: write %s: %w", l.path, event, err)
		return l.err
	}
	return nil
}

// Close syncs the file to disk and closes it.
func (l *SessionLog) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	serr := l.f.Sync()
	cerr := l.f.Close()
	l.f = nil
	if serr != nil {
		return fmt.Errorf("session log %s: sync: %w", l.path, serr)
	}
	if cerr != nil {
		return fmt.Errorf("session log %s: close: %w", l.path, cerr)
	}
	return nil
}

func round3(x float64) float64 {
	return math.Round(x*1000) / 1000
}
