package models_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
)

func TestDecodeClient(t *testing.T) {
	good := []struct {
		in   string
		want models.ClientMsg
	}{
		{`{"type":"receiver","action":"stop"}`, models.ClientMsg{Type: models.MsgReceiver, Action: "stop"}},
		{` {"type":"receiver","action":"lighter"} `, models.ClientMsg{Type: models.MsgReceiver, Action: "lighter"}},
		{`{"type":"start"}`, models.ClientMsg{Type: models.MsgStart}},
		{`{"type":"finish"}`, models.ClientMsg{Type: models.MsgFinish}},
		{`{"type":"new_session"}`, models.ClientMsg{Type: models.MsgNewSession}},
		{`{"type":"zones","zones":[]}`, models.ClientMsg{Type: models.MsgZones, Zones: []models.Zone{}}},
	}
	for _, g := range good {
		got, err := models.DecodeClient([]byte(g.in))
		if err != nil {
			t.Errorf("%s: %v", g.in, err)
			continue
		}
		if got.Type != g.want.Type || got.Action != g.want.Action {
			t.Errorf("%s: got %+v", g.in, got)
		}
	}
	z, err := models.DecodeClient([]byte(`{"type":"zones","zones":[{"points":[[0.1,0.2],[0.3,0.2],[0.2,0.4]]}]}`))
	if err != nil || len(z.Zones) != 1 || len(z.Zones[0].Points) != 3 {
		t.Fatalf("zones: %+v %v", z, err)
	}
	bad := []string{
		``, `null`, `[]`, `{}`, `{"type":"hello"}`, `{"type":"receiver"}`,
		`{"type":"receiver","action":"harder"}`, `{"type":"receiver","action":"stop","x":1}`,
		`{"type":"receiver","action":"stop"}{"type":"start"}`, `{"type":"receiver","action":"stop"`,
		`{"type":"start","action":"stop"}`, `{"type":"zones"}`,
		`{"type":"finish","action":"stop"}`, `{"type":"finish","zones":[]}`, `{"type":"finish","report":"x"}`,
		`{"type":"new_session","action":"resume"}`, `{"type":"Finish"}`,
		`{"type":"zones","zones":[{"points":[[0,0],[1,1]]}]}`,
		`{"type":"zones","zones":[{"points":[[0,0],[1,1],[1e9,0]]}]}`,
		`{"type":1}`, "\xff\xfe",
		`{"type":"receiver","action":"` + strings.Repeat("a", models.MaxClientMessage) + `"}`,
	}
	for _, b := range bad {
		if _, err := models.DecodeClient([]byte(b)); !errors.Is(err, models.ErrBadMessage) {
			t.Errorf("%.60q: want ErrBadMessage, got %v", b, err)
		}
	}
}

func TestServerMessagesHaveType(t *testing.T) {
	msgs := []any{
		models.Hello{Type: models.MsgHello},
		models.StrokeMsg{Type: models.MsgStroke, Stroke: models.Stroke{Start: 1}},
		models.FeedbackMsg{Type: models.MsgFeedback, Feedback: models.Feedback{Code: models.CodeTooFast}},
		models.SummaryMsg{Type: models.MsgSummary},
	}
	for _, m := range msgs {
		b, _ := json.Marshal(m)
		var probe map[string]any
		if err := json.Unmarshal(b, &probe); err != nil || probe["type"] == "" || probe["type"] == nil {
			t.Errorf("%s: no type", b)
		}
	}
	b, _ := json.Marshal(models.FeedbackMsg{Type: models.MsgFeedback, Feedback: models.Feedback{T: 2, Code: models.CodeTooFast, Message: "m"}})
	if !strings.Contains(string(b), `"code":"too_fast"`) {
		t.Errorf("feedback is not flattened: %s", b)
	}
}

func FuzzDecodeClient(f *testing.F) {
	for _, s := range []string{
		`{"type":"receiver","action":"stop"}`, `{"type":"start"}`, `{"type":"finish"}`, `{"type":"new_session"}`,
		`{"type":"zones","zones":[{"points":[[0.1,0.2],[0.3,0.2],[0.2,0.4]]}]}`,
		`{"type":"receiver","action":"stop","action":"firmer"}`, `{`, `[1,2]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := models.DecodeClient(data)
		if err != nil {
			if !errors.Is(err, models.ErrBadMessage) {
				t.Fatalf("error does not wrap ErrBadMessage: %v", err)
			}
			return
		}
		switch m.Type {
		case models.MsgReceiver:
			if !models.ValidAction(m.Action) {
				t.Fatalf("accepted action %q", m.Action)
			}
		case models.MsgZones:
			if len(m.Zones) > models.MaxZones {
				t.Fatalf("accepted %d zones", len(m.Zones))
			}
		case models.MsgStart, models.MsgFinish, models.MsgNewSession:
			if m.Action != "" || m.Zones != nil {
				t.Fatalf("%s message kept extra fields: %+v", m.Type, m)
			}
		default:
			t.Fatalf("accepted type %q", m.Type)
		}
		if len(data) > models.MaxClientMessage {
			t.Fatalf("accepted %d bytes", len(data))
		}
	})
}
