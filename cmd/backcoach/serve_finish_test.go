package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/gorilla/websocket"
)

// TestServeFinishAndNewSession drives the session's end over the websocket
// as the page does (finish, then new_session) while the remote keeps
// pressing (run it with -race): the summary names the session and its
// report, which is served; the new session has its own log and, coached
// (AutoStart skips the checklist), gets its summary and report at Ctrl-C.
func TestServeFinishAndNewSession(t *testing.T) {
	if testing.Short() {
		t.Skip("plays a video at its real pace")
	}
	video, _ := serveVideo(t)
	rs := startServeWith(t, video, true, nil, func(c *ServeConfig) { c.Loop = true })
	base := strings.TrimSuffix(rs.url, "/")
	wsBase := "ws" + strings.TrimPrefix(base, "http")
	origin := http.Header{"Origin": {base}}
	ov, _, err := websocket.DefaultDialer.Dial(wsBase+"/ws", origin)
	if err != nil {
		t.Fatalf("dial the overlay's websocket: %v", err)
	}
	defer ov.Close()
	// next reads the overlay's messages until one of type typ satisfies ok.
	next := func(typ models.MsgType, ok func([]byte) bool) []byte {
		t.Helper()
		_ = ov.SetReadDeadline(time.Now().Add(3 * time.Minute))
		for {
			mt, b, err := ov.ReadMessage()
			if err != nil {
				t.Fatalf("waiting for %s: %v", typ, err)
			}
			if mt != websocket.TextMessage {
				continue
			}
			var probe struct {
				Type models.MsgType `json:"type"`
			}
			if json.Unmarshal(b, &probe) == nil && probe.Type == typ && (ok == nil || ok(b)) {
				return b
			}
		}
	}
	var hello models.Hello
	_ = json.Unmarshal(next(models.MsgHello, func(b []byte) bool {
		var h models.Hello
		return json.Unmarshal(b, &h) == nil && h.Back != nil && h.Coaching
	}), &hello)
	first := hello.Session

	// The remote presses all along, across the finish and the new session.
	rm, _, err := websocket.DefaultDialer.Dial(wsBase+"/ws/remote", origin)
	if err != nil {
		t.Fatalf("dial the remote's websocket: %v", err)
	}
	defer rm.Close()
	stopPress := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stopPress:
				return
			case <-time.After(300 * time.Millisecond):
			}
			a := []string{models.ActionLighter, models.ActionFirmer}[i%2]
			if err := rm.WriteMessage(websocket.TextMessage, []byte(`{"type":"receiver","action":"`+a+`"}`)); err != nil {
				return
			}
		}
	}()
	go func() { // the remote's incoming messages are not needed
		for {
			if _, _, err := rm.ReadMessage(); err != nil {
				return
			}
		}
	}()

	send := func(m string) {
		t.Helper()
		if err := ov.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			t.Fatalf("send %s: %v", m, err)
		}
	}
	send(`{"type":"finish"}`)
	var sum models.SummaryMsg
	if err := json.Unmarshal(next(models.MsgSummary, nil), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Session != first || sum.Report != "/report/"+first {
		t.Fatalf("summary of %q with report %q, want %q and /report/%s", sum.Session, sum.Report, first, first)
	}
	resp, err := http.Get(base + sum.Report)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="count-strokes"`) {
		t.Fatalf("report %s: HTTP %d", sum.Report, resp.StatusCode)
	}
	send(`{"type":"finish"}`) // a second finish changes nothing
	send(`{"type":"new_session"}`)
	var h2 models.Hello
	_ = json.Unmarshal(next(models.MsgHello, func(b []byte) bool {
		var h models.Hello
		return json.Unmarshal(b, &h) == nil && h.Session != first
	}), &h2)
	if h2.Finished || len(h2.Zones) != 0 {
		t.Errorf("the new session's hello: finished %v, zones %v", h2.Finished, h2.Zones)
	}
	time.Sleep(time.Second) // presses into the new session
	close(stopPress)
	wg.Wait()
	rs.stop(t)

	for _, id := range []string{first, h2.Session} {
		ev := countEvents(t, filepath.Join(rs.data, "session-"+id+".jsonl"))
		if ev["start"] != 1 || ev["summary"] != 1 {
			t.Errorf("session %s log: %v, want one start and one summary", id, ev)
		}
	}
	if _, err := os.Stat(filepath.Join(rs.data, "session-"+first+".html")); err != nil {
		t.Errorf("the finished session's report: %v", err)
	}
	// AutoStart coaches the new session too, so Ctrl-C reports it.
	if _, err := os.Stat(filepath.Join(rs.data, "session-"+h2.Session+".html")); err != nil {
		t.Errorf("Ctrl-C did not write the coached session's report: %v", err)
	}
}
