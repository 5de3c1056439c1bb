package web_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/web"
	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

func get(t *testing.T, url string, mod func(*http.Request)) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestNonLoopbackNeedsToken(t *testing.T) {
	_, err := web.NewServer(web.Config{Listen: "0.0.0.0:8080"}, zerolog.Nop())
	if !errors.Is(err, web.ErrNeedToken) {
		t.Fatalf("want ErrNeedToken, got %v", err)
	}
	if _, err := web.NewServer(web.Config{Listen: "0.0.0.0:8080", Token: "x"}, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	if _, err := web.NewServer(web.Config{Listen: "localhost:8080"}, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
}

func TestToken(t *testing.T) {
	ts := mustStart(t, web.Config{Listen: "0.0.0.0:0", Token: "s3cret"})
	for _, path := range []string{"/", "/remote", "/qr.png", "/static/app.js", "/ws", "/stats"} {
		if r := get(t, ts.URL+path, nil); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without token: %d, want 401", path, r.StatusCode)
		}
		if r := get(t, ts.URL+path+"?token=wrong", nil); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d, want 401", path, r.StatusCode)
		}
	}
	r := get(t, ts.URL+"/?token=s3cret", nil)
	if r.StatusCode != 200 {
		t.Fatalf("with token: %d", r.StatusCode)
	}
	var cookie *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == "backcoach_token" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly {
		t.Fatalf("no HttpOnly token cookie: %v", r.Cookies())
	}
	if r := get(t, ts.URL+"/remote", func(q *http.Request) { q.AddCookie(cookie) }); r.StatusCode != 200 {
		t.Errorf("with cookie: %d", r.StatusCode)
	}
	// Websocket with the token in the query.
	h := http.Header{"Origin": {ts.URL}}
	c, _, err := websocket.DefaultDialer.Dial(ts.wsURL("/ws/remote?token=s3cret"), h)
	if err != nil {
		t.Fatalf("websocket with token: %v", err)
	}
	c.Close()
	if _, resp, err := websocket.DefaultDialer.Dial(ts.wsURL("/ws/remote"), h); err == nil || resp.StatusCode != 401 {
		t.Fatalf("websocket without token: err %v", err)
	}
}

func TestHostAllowlist(t *testing.T) {
	ts := mustStart(t, web.Config{})
	for host, want := range map[string]int{
		"evil.example.com":      403,
		"evil.example.com:8080": 403,
		"127.0.0.1.nip.io":      403,
		"localhost:8080":        200,
		"127.0.0.1":             200,
		"[::1]:8080":            200,
		"localhost:80;x":        403,
		"localhost:99999":       403,
	} {
		r := get(t, ts.URL+"/", func(q *http.Request) { q.Host = host })
		if r.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, r.StatusCode, want)
		}
	}
}

func TestForeignOriginRefused(t *testing.T) {
	ts := mustStart(t, web.Config{})
	for _, origin := range []string{"http://evil.example.com", "null", "", "http://localhost:1"} {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		c, resp, err := websocket.DefaultDialer.Dial(ts.wsURL("/ws"), h)
		if err == nil {
			c.Close()
			t.Errorf("origin %q accepted", origin)
			continue
		}
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: %v, want 403", origin, err)
		}
	}
}

// expectClosed waits until the server closes c.
func expectClosed(t *testing.T, c *websocket.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) || !strings.Contains(err.Error(), "timeout") {
				return
			}
			t.Fatalf("%s: connection not closed: %v", what, err)
		}
	}
}

func TestBadInputClosesOnlyThatClient(t *testing.T) {
	ts := mustStart(t, web.Config{})
	hub := ts.srv.Hub()
	bystander := ts.dial(t, "/ws")
	cases := map[string][]byte{
		"oversized":     []byte(`{"type":"receiver","action":"` + strings.Repeat("x", models.MaxClientMessage+10) + `"}`),
		"malformed":     []byte(`{"type":"receiver",`),
		"unknown type":  []byte(`{"type":"hello"}`),
		"unknown field": []byte(`{"type":"receiver","action":"stop","admin":true}`),
	}
	for name, msg := range cases {
		c := ts.dial(t, "/ws/remote")
		if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
			t.Fatalf("%s: write: %v", name, err)
		}
		expectClosed(t, c, name)
	}
	// Binary data and a zones message from the remote are refused too.
	c := ts.dial(t, "/ws/remote")
	_ = c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	expectClosed(t, c, "binary")
	c = ts.dial(t, "/ws/remote")
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"start"}`))
	expectClosed(t, c, "start from remote")

	// The bystander is unaffected and a good remote still gets through.
	waitClients(t, hub, 1)
	good := ts.dial(t, "/ws/remote")
	if err := good.WriteJSON(models.ReceiverMsg{Type: models.MsgReceiver, Action: "stop"}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-ts.in:
		if m.Type != models.MsgReceiver || m.Action != "stop" {
			t.Fatalf("got %+v", m)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the good remote's press did not arrive")
	}
	_ = hub.Publish(feedback(7))
	if m := readType(t, bystander, models.MsgFeedback, 2*time.Second); m["t"].(float64) != 7 {
		t.Fatalf("bystander got %v", m)
	}
}

func TestReceiverFloodIsLimited(t *testing.T) {
	ts := mustStart(t, web.Config{ReceiverRate: 5})
	c := ts.dial(t, "/ws/remote")
	for i := 0; i < 200; i++ {
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type":"receiver","action":"firmer"}`)); err != nil {
			break
		}
	}
	expectClosed(t, c, "flood")
	time.Sleep(100 * time.Millisecond)
	if n := len(ts.in); n > 12 {
		t.Fatalf("%d of 200 flooded presses got through", n)
	}
}
