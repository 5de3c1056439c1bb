package web_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
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

// These tests fill the gaps of issue 5 (faults and bad input) that
// security_test.go leaves: rejections are logged, the overlay's own
// endpoint refuses bad input too, a lying frame header is cut before it is
// read, a flood leaves other clients alone, the read path is fuzzed end to
// end, and the access checks hold in every order and variant.

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// loggedServer is a testServer whose logger and net/http error log (where
// a panic in a handler would be reported) are kept.
type loggedServer struct {
	*testServer
	log     *syncBuffer
	httpLog *syncBuffer
}

func startLogged(tb testing.TB, cfg web.Config) *loggedServer {
	tb.Helper()
	ls := &loggedServer{testServer: &testServer{in: make(chan models.ClientMsg, 1024)},
		log: &syncBuffer{}, httpLog: &syncBuffer{}}
	cfg.OnMessage = func(_ web.Kind, m models.ClientMsg) {
		select {
		case ls.in <- m:
		default:
		}
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	srv, err := web.NewServer(cfg, zerolog.New(ls.log))
	if err != nil {
		tb.Fatal(err)
	}
	ls.srv = srv
	ls.Server = httptest.NewUnstartedServer(srv.Handler())
	ls.Server.Config.ErrorLog = log.New(ls.httpLog, "", 0)
	ls.Server.Start()
	tb.Cleanup(func() {
		srv.Hub().Close()
		ls.Server.Close()
		if s := ls.httpLog.String(); strings.Contains(s, "panic") {
			tb.Errorf("a handler panicked:\n%s", s)
		}
	})
	return ls
}

// waitLog waits until the server's log contains want.
func (ls *loggedServer) waitLog(tb testing.TB, want string) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(ls.log.String(), want) {
		if time.Now().After(deadline) {
			tb.Fatalf("the log never said %q:\n%s", want, ls.log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// closeCode waits for the server to close c and returns its close code
// (0 when the connection just ended).
func closeCode(tb testing.TB, c *websocket.Conn, what string) int {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		if strings.Contains(err.Error(), "timeout") {
			tb.Fatalf("%s: the connection was not closed", what)
		}
		return 0
	}
}

// TestBadInputIsLoggedAndClosed sends every kind of bad input to both
// endpoints: each connection is closed with the right code, each rejection
// is logged, and a bystander overlay keeps getting messages.
func TestBadInputIsLoggedAndClosed(t *testing.T) {
	ls := startLogged(t, web.Config{})
	hub := ls.srv.Hub()
	bystander := ls.dial(t, "/ws")
	waitClients(t, hub, 1)
	big := `{"type":"zones","zones":[{"points":[` + strings.Repeat(`[0.1,0.1],`, models.MaxClientMessage/10) + `[0,0]]}]}`
	cases := []struct {
		name, path string
		typ        int
		msg        string
		code       int
		log        string
	}{
		{"malformed on /ws", "/ws", websocket.TextMessage, `{"type":"start"`, websocket.ClosePolicyViolation, "bad message"},
		{"unknown type on /ws", "/ws", websocket.TextMessage, `{"type":"frame","t":1}`, websocket.ClosePolicyViolation, "bad message"},
		{"hello from a page", "/ws", websocket.TextMessage, `{"type":"hello"}`, websocket.ClosePolicyViolation, "bad message"},
		{"bad action on /ws", "/ws", websocket.TextMessage, `{"type":"receiver","action":"harder"}`, websocket.ClosePolicyViolation, "bad message"},
		{"NaN zone", "/ws", websocket.TextMessage, `{"type":"zones","zones":[{"points":[[0,0],[1,1],[NaN,0]]}]}`, websocket.ClosePolicyViolation, "bad message"},
		{"too many zones", "/ws", websocket.TextMessage, `{"type":"zones","zones":[` + strings.TrimSuffix(strings.Repeat(`{"points":[[0,0],[0.1,0],[0,0.1]]},`, models.MaxZones+1), ",") + `]}`, websocket.ClosePolicyViolation, "bad message"},
		{"two messages in one", "/ws", websocket.TextMessage, `{"type":"start"}{"type":"start"}`, websocket.ClosePolicyViolation, "bad message"},
		{"not JSON at all", "/ws/remote", websocket.TextMessage, "\x00\x01garbage", websocket.ClosePolicyViolation, "bad message"},
		{"oversized on /ws", "/ws", websocket.TextMessage, big, websocket.CloseMessageTooBig, "oversized"},
		{"binary on /ws", "/ws", websocket.BinaryMessage, `{"type":"start"}`, websocket.CloseUnsupportedData, "binary"},
		{"zones from the remote", "/ws/remote", websocket.TextMessage, `{"type":"zones","zones":[]}`, websocket.ClosePolicyViolation, "bad message"},
	}
	for i, c := range cases {
		before := strings.Count(ls.log.String(), "\n")
		conn := ls.dial(t, c.path)
		if err := conn.WriteMessage(c.typ, []byte(c.msg)); err != nil {
			// The server may cut an oversized message off while it is
			// being written; the refusal must still be logged.
			t.Logf("%s: write: %v (the server closed first)", c.name, err)
		} else if got := closeCode(t, conn, c.name); got != c.code {
			t.Errorf("%s: close code %d, want %d", c.name, got, c.code)
		}
		// The rejection is logged as a warning naming what was wrong.
		deadline := time.Now().Add(10 * time.Second)
		for {
			lines := strings.Split(ls.log.String(), "\n")
			found := false
			for _, l := range lines[min(before, len(lines)):] {
				if strings.Contains(l, `"level":"warn"`) && strings.Contains(l, c.log) {
					found = true
				}
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no warning mentioning %q was logged:\n%s", c.name, c.log, ls.log.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		// The bystander is untouched.
		_ = hub.Publish(feedback(100 + i))
		if m := readType(t, bystander, models.MsgFeedback, 5*time.Second); m["t"].(float64) != float64(100+i) {
			t.Fatalf("%s: the bystander got %v", c.name, m)
		}
	}
	waitClients(t, hub, 1)
	if n := len(ls.in); n != 0 {
		t.Errorf("%d bad messages reached the coach", n)
	}
	if strings.Contains(ls.log.String(), strings.Repeat("[0.1,0.1],", 20)) {
		t.Error("the log repeats the oversized message's content")
	}
}

// TestLyingFrameHeader sends a websocket frame header that announces a
// 1 GiB message: the server closes the connection at the header, without
// waiting for (or allocating) the body.
func TestLyingFrameHeader(t *testing.T) {
	ls := startLogged(t, web.Config{})
	bystander := ls.dial(t, "/ws")
	c := ls.dial(t, "/ws/remote")
	waitClients(t, ls.srv.Hub(), 2) // registered after the handshake answer
	// FIN + text; masked, 64-bit length; the mask key; a few body bytes.
	hdr := []byte{0x81, 0x80 | 127}
	hdr = binary.BigEndian.AppendUint64(hdr, 1<<30)
	hdr = append(hdr, 1, 2, 3, 4)
	hdr = append(hdr, []byte(`{"type":"recei`)...)
	if _, err := c.NetConn().Write(hdr); err != nil {
		t.Fatal(err)
	}
	if got := closeCode(t, c, "1 GiB header"); got != websocket.CloseMessageTooBig && got != 0 {
		t.Errorf("close code %d, want %d", got, websocket.CloseMessageTooBig)
	}
	ls.waitLog(t, "oversized")
	_ = ls.srv.Hub().Publish(feedback(5))
	readType(t, bystander, models.MsgFeedback, 5*time.Second)
}

// TestFloodLeavesOthersAlone: one remote floods presses (it is throttled,
// then closed, and that is logged) while another remote's presses at a
// human pace all get through and an overlay keeps receiving.
func TestFloodLeavesOthersAlone(t *testing.T) {
	ls := startLogged(t, web.Config{ReceiverRate: 5})
	hub := ls.srv.Hub()
	overlay := ls.dial(t, "/ws")
	calm := ls.dial(t, "/ws/remote")
	flood := ls.dial(t, "/ws/remote")
	waitClients(t, hub, 3)

	floodDone := make(chan int, 1)
	go func() {
		n := 0
		for ; n < 2000; n++ {
			if err := flood.WriteMessage(websocket.TextMessage, []byte(`{"type":"receiver","action":"firmer"}`)); err != nil {
				break
			}
		}
		floodDone <- n
	}()
	if got := closeCode(t, flood, "flood"); got != websocket.ClosePolicyViolation {
		t.Errorf("flood close code %d, want %d", got, websocket.ClosePolicyViolation)
	}
	<-floodDone
	ls.waitLog(t, "too many presses")

	// The calm remote: 4 presses 300 ms apart all arrive.
	drain := func() (lighter, firmer int) {
		for {
			select {
			case m := <-ls.in:
				switch m.Action {
				case "lighter":
					lighter++
				case "firmer":
					firmer++
				}
			default:
				return
			}
		}
	}
	_, floodGot := drain()
	for i := 0; i < 4; i++ {
		if err := calm.WriteMessage(websocket.TextMessage, []byte(`{"type":"receiver","action":"lighter"}`)); err != nil {
			t.Fatalf("the calm remote was cut: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	deadline := time.Now().Add(10 * time.Second)
	lighter := 0
	for lighter < 4 && time.Now().Before(deadline) {
		l, _ := drain()
		lighter += l
		time.Sleep(20 * time.Millisecond)
	}
	if lighter != 4 {
		t.Errorf("the calm remote's presses: %d of 4 arrived", lighter)
	}
	if floodGot > 2*5+5 { // the burst, plus what refills while a busy machine reads the flood
		t.Errorf("%d flooded presses got through, want about the burst (10)", floodGot)
	}
	_ = hub.Publish(feedback(9))
	if m := readType(t, overlay, models.MsgFeedback, 5*time.Second); m["t"].(float64) != 9 {
		t.Fatalf("overlay got %v", m)
	}
	waitClients(t, hub, 2)
}

// TestPlainRequestsToWebsocketEndpoints: a GET that is not a websocket
// upgrade, and garbage upgrade headers, are answered with an error and
// nothing else happens.
func TestPlainRequestsToWebsocketEndpoints(t *testing.T) {
	ls := startLogged(t, web.Config{})
	for _, mod := range []func(*http.Request){
		func(r *http.Request) { r.Header.Set("Origin", ls.URL) },
		func(r *http.Request) {
			r.Header.Set("Origin", ls.URL)
			r.Header.Set("Connection", "Upgrade")
			r.Header.Set("Upgrade", "websocket")
			r.Header.Set("Sec-WebSocket-Version", "99")
		},
		func(r *http.Request) {
			r.Header.Set("Origin", ls.URL)
			r.Header.Set("Connection", "Upgrade")
			r.Header.Set("Upgrade", "websocket")
			r.Header.Set("Sec-WebSocket-Version", "13")
		}, // no key
	} {
		for _, path := range []string{"/ws", "/ws/remote"} {
			if r := get(t, ls.URL+path, mod); r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Errorf("%s: %d, want a 4xx", path, r.StatusCode)
			}
		}
	}
	if n := ls.srv.Hub().Stats().Clients; n != 0 {
		t.Errorf("%d clients after refused upgrades", n)
	}
}

// TestAccessVariants covers the access rules beyond security_test.go:
// every listen address that is not loopback needs a token; the Host check
// comes before the token (a valid token from a rebinding name is still
// 403); a websocket from a foreign origin is refused on both endpoints even
// with the token; a wrong cookie is 401; a refusal never shows the token.
func TestAccessVariants(t *testing.T) {
	for _, l := range []string{":0", "[::]:0", "0:0", "192.168.1.20:0", "myhost.local:0", "localhost.evil.com:0"} {
		if _, err := web.NewServer(web.Config{Listen: l}, zerolog.Nop()); !errors.Is(err, web.ErrNeedToken) {
			t.Errorf("listen %q without a token: %v, want ErrNeedToken", l, err)
		}
	}
	for _, l := range []string{"127.0.0.1:0", "127.0.0.2:0", "[::1]:0", "localhost:0"} {
		if _, err := web.NewServer(web.Config{Listen: l}, zerolog.Nop()); err != nil {
			t.Errorf("loopback listen %q without a token refused: %v", l, err)
		}
	}

	const token = "s3cret-token"
	ls := startLogged(t, web.Config{Listen: "0.0.0.0:0", Token: token})
	withHost := func(h string) func(*http.Request) { return func(r *http.Request) { r.Host = h } }
	for _, c := range []struct {
		name string
		path string
		mod  func(*http.Request)
		want int
	}{
		{"rebinding name with the token", "/?token=" + token, withHost("evil.example.com"), 403},
		{"rebinding name with a port", "/remote?token=" + token, withHost("attacker.test:8080"), 403},
		{"loopback name ending in a foreign domain", "/?token=" + token, withHost("127.0.0.1.evil.com"), 403},
		{"no token", "/healthz", nil, 401},
		{"token prefix", "/?token=" + token[:5], nil, 401},
		{"token with a suffix", "/?token=" + token + "x", nil, 401},
		{"wrong cookie", "/", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "backcoach_token", Value: "nope"}) }, 401},
		{"good token", "/?token=" + token, nil, 200},
		{"good cookie", "/remote", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "backcoach_token", Value: token}) }, 200},
	} {
		req, err := http.NewRequest("GET", ls.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.mod != nil {
			c.mod(req)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
		if c.want != 200 && strings.Contains(body.String(), token) {
			t.Errorf("%s: the refusal shows the token", c.name)
		}
	}
	// HTTP/1.0 allows a request without Host: refused too.
	conn, err := net.Dial("tcp", strings.TrimPrefix(ls.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /?token=%s HTTP/1.0\r\n\r\n", token)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	conn.Close()
	if err != nil || !strings.Contains(status, " 403 ") {
		t.Errorf("a request without Host: %q %v, want 403", status, err)
	}
	if !strings.Contains(ls.log.String(), "unknown host") || !strings.Contains(ls.log.String(), "access code") {
		t.Errorf("refusals were not logged:\n%s", ls.log.String())
	}

	// Websockets from other origins, with a valid token.
	host := strings.TrimPrefix(ls.URL, "http://")
	for _, origin := range []string{
		"http://evil.example.com", "https://" + host + ".evil.com", "http://" + host + "@evil.com",
		"file://", "chrome-extension://abcdef", "http://127.0.0.1:1", "ws://" + host,
	} {
		for _, path := range []string{"/ws", "/ws/remote"} {
			c, resp, err := websocket.DefaultDialer.Dial("ws://"+host+path+"?token="+token, http.Header{"Origin": {origin}})
			if err == nil {
				c.Close()
				t.Errorf("%s from origin %q accepted", path, origin)
				continue
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s from origin %q: %v, want 403", path, origin, err)
			}
		}
	}
	ls.waitLog(t, "another site")
	// The page's own origin with the token still works.
	c, _, err := websocket.DefaultDialer.Dial("ws://"+host+"/ws/remote?token="+token, http.Header{"Origin": {ls.URL}})
	if err != nil {
		t.Fatalf("own origin: %v", err)
	}
	c.Close()
}

// FuzzServerMessage sends arbitrary text to the overlay and remote
// endpoints of a live server: a message the decoder accepts (and the
// endpoint allows) reaches the coach, anything else closes that connection
// with a policy or size code, nothing panics, and the server keeps serving.
func FuzzServerMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"receiver","action":"stop"}`, `{"type":"start"}`, `{"type":"zones","zones":[]}`,
		`{"type":"zones","zones":[{"points":[[0.1,0.2],[0.3,0.2],[0.2,0.4]]}]}`,
		`{"type":"receiver","action":"stop","action":"firmer"}`, `{`, `[1,2]`, `null`, ``, "\xff",
		`{"type":"receiver","action":"lighter"}   `, `{"type":"zones","zones":[{"points":[[1e308,0],[0,0],[0,1]]}]}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	ls := startLogged(f, web.Config{ReceiverRate: 1e6})
	f.Fuzz(func(t *testing.T, data []byte, remote bool) {
		path, kind := "/ws", web.Overlay
		if remote {
			path, kind = "/ws/remote", web.Remote
		}
		for len(ls.in) > 0 {
			<-ls.in
		}
		c := ls.dial(t, path)
		if tc, ok := c.NetConn().(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // no TIME_WAIT: a long fuzz run would use up the loopback ports
		}
		defer c.Close()
		werr := c.WriteMessage(websocket.TextMessage, data)
		m, err := models.DecodeClient(data)
		ok := err == nil && (kind == web.Overlay || m.Type == models.MsgReceiver)
		if werr != nil && (ok || len(data) <= models.MaxClientMessage) {
			t.Fatalf("write %q: %v", data, werr) // only an oversized message may be cut off mid-write
		}
		if ok {
			select {
			case got := <-ls.in:
				if got.Type != m.Type || got.Action != m.Action || len(got.Zones) != len(m.Zones) {
					t.Fatalf("sent %q, the coach got %+v", data, got)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("a valid message %q did not arrive", data)
			}
			return
		}
		code := websocket.CloseMessageTooBig
		if werr == nil {
			code = closeCode(t, c, fmt.Sprintf("%q", data))
		}
		if code != websocket.ClosePolicyViolation && code != websocket.CloseMessageTooBig && code != websocket.CloseUnsupportedData {
			t.Fatalf("%q: close code %d", data, code)
		}
		select {
		case got := <-ls.in:
			t.Fatalf("%q was rejected but reached the coach as %+v", data, got)
		default:
		}
	})
}
