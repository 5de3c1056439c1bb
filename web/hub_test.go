package web_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/web"
	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

// testServer is a web.Server behind httptest, with its inbound messages.
type testServer struct {
	*httptest.Server
	srv *web.Server
	in  chan models.ClientMsg
}

func mustStart(tb testing.TB, cfg web.Config) *testServer {
	tb.Helper()
	ts := &testServer{in: make(chan models.ClientMsg, 1024)}
	cfg.OnMessage = func(_ web.Kind, m models.ClientMsg) {
		select {
		case ts.in <- m:
		default:
		}
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	srv, err := web.NewServer(cfg, zerolog.Nop())
	if err != nil {
		tb.Fatal(err)
	}
	ts.srv = srv
	ts.Server = httptest.NewServer(srv.Handler())
	tb.Cleanup(func() {
		srv.Hub().Close()
		ts.Server.Close()
	})
	return ts
}

func (ts *testServer) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(ts.URL, "http") + path
}

// dial opens a websocket with the page's own origin.
func (ts *testServer) dial(tb testing.TB, path string) *websocket.Conn {
	tb.Helper()
	h := http.Header{"Origin": {ts.URL}}
	c, resp, err := websocket.DefaultDialer.Dial(ts.wsURL(path), h)
	if err != nil {
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		tb.Fatalf("dial %s: %v (HTTP %d)", path, err, code)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// waitClients waits until the hub has n clients.
func waitClients(tb testing.TB, h *web.Hub, n int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Stats().Clients != n {
		if time.Now().After(deadline) {
			tb.Fatalf("want %d clients, have %d", n, h.Stats().Clients)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readType reads text messages until one of type typ (binary ones skipped).
func readType(tb testing.TB, c *websocket.Conn, typ models.MsgType, within time.Duration) map[string]any {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	for {
		mt, b, err := c.ReadMessage()
		if err != nil {
			tb.Fatalf("waiting for %s: %v", typ, err)
		}
		if mt != websocket.TextMessage {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			tb.Fatalf("bad json %s: %v", b, err)
		}
		if m["type"] == string(typ) {
			return m
		}
	}
}

func feedback(i int) models.FeedbackMsg {
	return models.FeedbackMsg{Type: models.MsgFeedback, Feedback: models.Feedback{T: float64(i), Code: models.CodeTooFast, Message: fmt.Sprint(i)}}
}

// A client that never reads must not delay the publisher or other clients,
// and feedback reaches the others complete and in order.
func TestHubSlowClientDoesNotDelayOthers(t *testing.T) {
	ts := mustStart(t, web.Config{Hub: web.HubOptions{QueueSize: 64, WriteTimeout: time.Second}})
	hub := ts.srv.Hub()

	// The stuck client: a raw TCP websocket that never reads, with a tiny
	// receive buffer so that the server's writes back up quickly.
	stuck := ts.dial(t, "/ws")
	if tc, ok := stuck.NetConn().(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(1024)
	}
	good := ts.dial(t, "/ws")
	waitClients(t, hub, 2)

	const n = 500
	jpeg := make([]byte, 64<<10) // 64 KB video frames
	got := make(chan []int, 1)
	go func() {
		var seq []int
		_ = good.SetReadDeadline(time.Now().Add(10 * time.Second))
		for len(seq) < n {
			mt, b, err := good.ReadMessage()
			if err != nil {
				break
			}
			if mt != websocket.TextMessage {
				continue
			}
			var m models.FeedbackMsg
			if json.Unmarshal(b, &m) == nil && m.Type == models.MsgFeedback {
				seq = append(seq, int(m.T))
			}
		}
		got <- seq
	}()

	start := time.Now()
	var worst time.Duration
	for i := 0; i < n; i++ {
		t0 := time.Now()
		hub.PublishVideo(jpeg, []byte(`{"type":"frame"}`), t0)
		if err := hub.Publish(feedback(i)); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d > worst {
			worst = d
		}
		if i%10 == 0 {
			time.Sleep(time.Millisecond) // let writers run, like a 30 fps pipeline would
		}
	}
	pubTime := time.Since(start)
	seq := <-got
	if len(seq) != n {
		t.Fatalf("good client got %d of %d feedback messages", len(seq), n)
	}
	for i, v := range seq {
		if v != i {
			t.Fatalf("feedback out of order at %d: got %d", i, v)
		}
	}
	// Publishing must never wait for the stuck client (its writes time out
	// after 1 s); allow for scheduler noise on a busy machine.
	if worst > 200*time.Millisecond || pubTime > 2*time.Second {
		t.Errorf("publishing took %v (worst call %v); it must never block", pubTime, worst)
	}
	// Keep the pipeline going: the stuck client is cut off (queue overflow or
	// write deadline) while the good one stays.
	deadline := time.Now().Add(10 * time.Second)
	for hub.Stats().Clients > 1 && time.Now().Before(deadline) {
		hub.PublishVideo(jpeg, nil, time.Now())
		_ = hub.Publish(feedback(n))
		time.Sleep(2 * time.Millisecond)
	}
	st := hub.Stats()
	t.Logf("published %d frames+feedback in %v (worst call %v); dropped frames %d, slow clients disconnected %d, clients left %d",
		n, pubTime, worst, st.DroppedFrames, st.Disconnected, st.Clients)
	if st.Clients != 1 {
		t.Errorf("the stuck client was never cut off (stats %+v)", st)
	}
}

// Feedback, stroke and receiver messages keep their order even while video
// floods in between.
func TestHubOrderWithVideo(t *testing.T) {
	ts := mustStart(t, web.Config{})
	hub := ts.srv.Hub()
	c := ts.dial(t, "/ws")
	waitClients(t, hub, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 300; i++ {
			hub.PublishVideo([]byte{0xff, 0xd8, byte(i)}, nil, time.Now())
		}
	}()
	for i := 0; i < 200; i++ {
		_ = hub.Publish(feedback(i))
	}
	wg.Wait()
	for i := 0; i < 200; i++ {
		m := readType(t, c, models.MsgFeedback, 5*time.Second)
		if int(m["t"].(float64)) != i {
			t.Fatalf("message %d arrived as %v", i, m["t"])
		}
	}
}

// 50 clients at once all get every feedback message; remotes get no video.
func TestHub50Clients(t *testing.T) {
	ts := mustStart(t, web.Config{})
	hub := ts.srv.Hub()
	const n = 50
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		path := "/ws"
		if i%10 == 9 {
			path = "/ws/remote"
		}
		conns[i] = ts.dial(t, path)
	}
	waitClients(t, hub, n)
	for i := 0; i < 20; i++ {
		hub.PublishVideo([]byte{0xff, 0xd8}, []byte(`{"type":"frame","t":0,"i":0,"hands":[],"phase":"idle"}`), time.Now())
		_ = hub.Publish(feedback(i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c *websocket.Conn) {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			next := 0
			for next < 20 {
				mt, b, err := c.ReadMessage()
				if err != nil {
					errs <- fmt.Errorf("client %d: %v after %d messages", i, err, next)
					return
				}
				var m map[string]any
				if mt == websocket.BinaryMessage || (json.Unmarshal(b, &m) == nil && m["type"] == "frame") {
					if i%10 == 9 {
						errs <- fmt.Errorf("remote client %d got video", i)
						return
					}
					continue
				}
				if m["type"] == "feedback" {
					if int(m["t"].(float64)) != next {
						errs <- fmt.Errorf("client %d: feedback %v, want %d", i, m["t"], next)
						return
					}
					next++
				}
			}
		}(i, c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A new client gets the sticky hello first.
func TestHubStickyHello(t *testing.T) {
	ts := mustStart(t, web.Config{})
	hub := ts.srv.Hub()
	_ = hub.PublishSticky("hello", models.Hello{Type: models.MsgHello, Session: "s1"})
	_ = hub.PublishSticky("hello", models.Hello{Type: models.MsgHello, Session: "s2"})
	c := ts.dial(t, "/ws")
	m := readType(t, c, models.MsgHello, 2*time.Second)
	if m["session"] != "s2" {
		t.Fatalf("hello %v", m)
	}
}
