package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// This file holds the websocket messages of DESIGN.md ("Websocket messages").
// Every JSON message carries a "type". Server → browser: hello, frame,
// stroke, feedback, receiver, status, summary. Browser → server: receiver
// (from the remote), zones and start (from the overlay's checklist), finish
// and new_session (from the overlay's "Finish session" and "Start a new
// session" buttons).

// MsgType is the "type" field of a websocket message.
type MsgType string

// The websocket message types.
const (
	MsgHello    MsgType = "hello"
	MsgFrame    MsgType = "frame"
	MsgStroke   MsgType = "stroke"
	MsgFeedback MsgType = "feedback"
	MsgReceiver MsgType = "receiver"
	MsgStatus   MsgType = "status"
	MsgSummary  MsgType = "summary"
	// MsgZones (browser → server) replaces the avoid zones drawn on the back image.
	MsgZones MsgType = "zones"
	// MsgStart (browser → server) says the checklist is done: coaching starts.
	MsgStart MsgType = "start"
	// MsgFinish (browser → server) ends the coaching session: the summary
	// and the session's report page follow in a summary message.
	MsgFinish MsgType = "finish"
	// MsgNewSession (browser → server) starts a new session after a
	// finished one: a new session log, the back found afresh, the checklist
	// again.
	MsgNewSession MsgType = "new_session"
)

// Receiver actions: what the person lying down can press on the remote.
const (
	ActionLighter = "lighter"
	ActionFirmer  = "firmer"
	ActionStop    = "stop"
	ActionResume  = "resume"
)

// ValidAction reports whether a is a receiver action.
func ValidAction(a string) bool {
	switch a {
	case ActionLighter, ActionFirmer, ActionStop, ActionResume:
		return true
	}
	return false
}

// RoutineInfo is what the page needs of the routine to draw its guides and
// gauges (all in back coordinates or back lengths per second).
type RoutineInfo struct {
	Name        string  `json:"name"`
	StartBand   float64 `json:"start_band"`   // an ascent starts below this v (0.30)
	ShoulderV   float64 `json:"shoulder_v"`   // the shoulder line (0.85)
	SpineBand   float64 `json:"spine_band"`   // |u| below this is on the spine (0.10)
	MaxSpeed    float64 `json:"max_speed"`    // L/s, smoothed (0.45)
	MinAscent   float64 `json:"min_ascent"`   // seconds (3)
	MinCircles  float64 `json:"min_circles"`  // per ascent (2)
	CirclePace  float64 `json:"circle_pace"`  // seconds per circle the metronome ticks
	OilReminder float64 `json:"oil_reminder"` // seconds between oil reminders
}

// DefaultRoutineInfo is the routine of DESIGN.md as the page sees it.
func DefaultRoutineInfo(name string) RoutineInfo {
	return RoutineInfo{
		Name: name, StartBand: 0.30, ShoulderV: 0.85, SpineBand: 0.10,
		MaxSpeed: 0.45, MinAscent: 3, MinCircles: 2, CirclePace: 1.2, OilReminder: 240,
	}
}

// Hello is the first message a client gets, and is sent again whenever the
// session's setup changes (calibration done, zones changed, coaching started).
// It is a full snapshot: a page that reconnects draws everything from it.
type Hello struct {
	Type     MsgType     `json:"type"`
	Session  string      `json:"session"`
	Routine  RoutineInfo `json:"routine"`
	Back     *Back       `json:"back,omitempty"` // nil until calibrated
	Width    int         `json:"width"`
	Height   int         `json:"height"`
	Demo     bool        `json:"demo"`   // the bundled demo recording is playing
	Source   string      `json:"source"` // a human name of the video source
	Tracker  string      `json:"tracker"`
	Zones    []Zone      `json:"zones"`
	Coaching bool        `json:"coaching"` // the checklist is done and coaching runs
	Stopped  bool        `json:"stopped"`  // the receiver pressed stop
	Remote   string      `json:"remote"`   // the remote page's address (token included)
	Phone    bool        `json:"phone"`    // a phone on the home network can open the remote
	Finished bool        `json:"finished"` // the session is finished (its summary follows)
}

// Frame is sent for every processed video frame (droppable, like the video).
type Frame struct {
	Type  MsgType     `json:"type"`
	T     float64     `json:"t"`
	I     int         `json:"i"`
	Hands []HandState `json:"hands"`
	Phase Phase       `json:"phase"`
}

// StrokeMsg carries one judged stroke.
type StrokeMsg struct {
	Type MsgType `json:"type"`
	Stroke
}

// FeedbackMsg carries one coaching message.
type FeedbackMsg struct {
	Type MsgType `json:"type"`
	Feedback
}

// ReceiverMsg is a button press on the remote. The remote sends it; every
// overlay client receives it (with T and Stopped filled by the server).
type ReceiverMsg struct {
	Type    MsgType `json:"type"`
	Action  string  `json:"action"`
	T       float64 `json:"t,omitempty"`
	Stopped bool    `json:"stopped,omitempty"`
}

// Camera states of a Status message.
const (
	CameraOK   = "ok"
	CameraLost = "lost"
	CameraEnd  = "ended" // a recording played to its end
)

// Status tells the page what state the session is in.
type Status struct {
	Type        MsgType `json:"type"`
	Camera      string  `json:"camera"` // ok, lost or ended
	Demo        bool    `json:"demo"`
	Calibrating bool    `json:"calibrating"`
	Coaching    bool    `json:"coaching"`
	Stopped     bool    `json:"stopped"`
	Message     string  `json:"message,omitempty"` // plain words for people
}

// SummaryMsg carries the session summary (sent at the end).
type SummaryMsg struct {
	Type MsgType `json:"type"`
	// Session is the id of the session it sums up.
	Session string `json:"session,omitempty"`
	// Report is the address of the session's report page on this server
	// (such as /report/ID, without the access code); empty when none was
	// written.
	Report string `json:"report,omitempty"`
	Summary
}

// Limits of browser → server messages.
const (
	// MaxClientMessage is the largest browser → server message in bytes.
	MaxClientMessage = 32 << 10
	// MaxZones is the most avoid zones a page may send.
	MaxZones = 16
	// MaxZonePoints is the most points one zone polygon may have.
	MaxZonePoints = 128
)

// ClientMsg is a decoded browser → server message. Only the fields of its
// Type are set.
type ClientMsg struct {
	Type   MsgType `json:"type"`
	Action string  `json:"action,omitempty"`
	Zones  []Zone  `json:"zones,omitempty"`
}

// ErrBadMessage is wrapped by every error of DecodeClient.
var ErrBadMessage = errors.New("bad message")

// clientWire is the strict shape of browser → server messages; any other
// field is rejected.
type clientWire struct {
	Type   *MsgType `json:"type"`
	Action *string  `json:"action"`
	Zones  []Zone   `json:"zones"`
}

// DecodeClient strictly decodes one browser → server message: at most
// MaxClientMessage bytes, one JSON object, no unknown fields, a known type
// with exactly the fields that type needs, finite zone coordinates.
func DecodeClient(data []byte) (ClientMsg, error) {
	bad := func(format string, a ...any) (ClientMsg, error) {
		return ClientMsg{}, fmt.Errorf("%w: %s", ErrBadMessage, fmt.Sprintf(format, a...))
	}
	if len(data) > MaxClientMessage {
		return bad("%d bytes, the limit is %d", len(data), MaxClientMessage)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w clientWire
	if err := dec.Decode(&w); err != nil {
		return bad("not a valid message: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("extra data after the message")
	}
	if w.Type == nil {
		return bad("no type")
	}
	m := ClientMsg{Type: *w.Type}
	switch m.Type {
	case MsgReceiver:
		if w.Action == nil || !ValidAction(*w.Action) {
			return bad("receiver action must be lighter, firmer, stop or resume")
		}
		if w.Zones != nil {
			return bad("receiver message with zones")
		}
		m.Action = *w.Action
	case MsgZones:
		if w.Action != nil {
			return bad("zones message with an action")
		}
		if w.Zones == nil {
			return bad("zones message without zones")
		}
		if len(w.Zones) > MaxZones {
			return bad("%d zones, at most %d", len(w.Zones), MaxZones)
		}
		for i, z := range w.Zones {
			if len(z.Points) < 3 || len(z.Points) > MaxZonePoints {
				return bad("zone %d has %d points, want 3 to %d", i, len(z.Points), MaxZonePoints)
			}
			for _, p := range z.Points {
				for _, c := range p {
					if math.IsNaN(c) || math.IsInf(c, 0) || c < -5 || c > 5 {
						return bad("zone %d has a point outside the back", i)
					}
				}
			}
		}
		m.Zones = w.Zones
	case MsgStart, MsgFinish, MsgNewSession:
		if w.Action != nil || w.Zones != nil {
			return bad("%s message with extra fields", m.Type)
		}
	default:
		return bad("unknown type %q", m.Type)
	}
	return m, nil
}
