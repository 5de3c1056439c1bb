package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	qrcode "github.com/skip2/go-qrcode"
)

//go:embed static
var staticFS embed.FS

// DefaultListen is where serve listens unless told otherwise.
const DefaultListen = "127.0.0.1:8080"

// tokenCookie carries the access token after the first visit with ?token=.
const tokenCookie = "backcoach_token"

// Config configures a Server.
type Config struct {
	// Listen is the address to listen on (default 127.0.0.1:8080). Any
	// address that is not loopback needs Token.
	Listen string
	// Token, when set, is required on every request (?token= or cookie).
	Token string
	// Hub tunes the websocket hub.
	Hub HubOptions
	// OnMessage receives every valid browser → server message. It must not
	// block (hand it to a buffered channel).
	OnMessage func(kind Kind, m models.ClientMsg)
	// Stats, if set, adds the pipeline's counters to GET /stats.
	Stats func() map[string]any
	// DataDir is the data folder holding the session logs and their report
	// pages (session-ID.html), served at /report/ID. Empty: no reports.
	DataDir string
	// ReceiverRate is how many receiver presses per second one client may
	// send (default 5, with a burst of 10); a flood beyond twice that closes
	// the connection.
	ReceiverRate float64
}

// Server is the HTTP and websocket server of the overlay and the remote.
type Server struct {
	cfg      Config
	log      zerolog.Logger
	hub      *Hub
	upgrader websocket.Upgrader
	handler  http.Handler

	mu      sync.Mutex
	ln      net.Listener
	allowed map[string]bool
	remote  string
}

// ErrNeedToken is returned when a non-loopback listen address has no token.
var ErrNeedToken = errors.New("listening beyond this computer needs --token (anyone on the network could watch otherwise)")

// NewServer checks the configuration and makes a Server.
func NewServer(cfg Config, log zerolog.Logger) (*Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: want HOST:PORT, e.g. 127.0.0.1:8080", cfg.Listen)
	}
	if !isLoopbackHost(host) && cfg.Token == "" {
		return nil, fmt.Errorf("listen address %q: %w", cfg.Listen, ErrNeedToken)
	}
	if cfg.ReceiverRate <= 0 {
		cfg.ReceiverRate = 5
	}
	s := &Server{cfg: cfg, log: log, hub: NewHub(cfg.Hub, log)}
	s.allowed = allowedHosts(host)
	s.upgrader = websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: 32 << 10,
		CheckOrigin:     sameOrigin,
	}
	s.handler = s.routes()
	return s, nil
}

// NewToken makes a random access token.
func NewToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Hub returns the server's websocket hub.
func (s *Server) Hub() *Hub { return s.hub }

// Handler returns the server's HTTP handler (with every check in place).
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens the listening socket. It is separate from Serve so that the
// address (with port :0 resolved) is known before serving.
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: the address is in use (is backcoach already running? pick another with --listen 127.0.0.1:8081): %w", s.cfg.Listen, err)
		}
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	return nil
}

// Addr is the address the server listens on ("" before Listen).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the overlay's address for the person at this computer (token included).
func (s *Server) URL() string {
	addr := s.Addr()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return s.withToken("http://" + net.JoinHostPort(host, port) + "/")
}

// RemoteURL is the remote page's address for a phone (token included): the
// listen address, or this computer's network address when listening on all.
func (s *Server) RemoteURL() string {
	addr := s.Addr()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return s.withToken("http://" + addr + "/remote")
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if lan := lanAddress(); lan != "" {
			host = lan
		}
	}
	return s.withToken("http://" + net.JoinHostPort(host, port) + "/remote")
}

// PhoneReachable reports whether a phone on the home network can open the
// remote (the server listens beyond loopback).
func (s *Server) PhoneReachable() bool {
	host, _, err := net.SplitHostPort(s.Addr())
	return err == nil && !isLoopbackHost(host)
}

func (s *Server) withToken(u string) string {
	if s.cfg.Token == "" {
		return u
	}
	return u + "?token=" + url.QueryEscape(s.cfg.Token)
}

// Serve serves until ctx ends, then closes every client and waits up to 2 s
// for requests to finish. Listen must have been called.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln == nil {
		return errors.New("serve: Listen was not called")
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          nil,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.hub.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// routes builds the handler: Host check, then token check, then the pages.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServer(http.FS(static))
	mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	mux.HandleFunc("GET /{$}", s.page("index.html"))
	mux.HandleFunc("GET /remote", s.page("remote.html"))
	mux.HandleFunc("GET /qr.png", s.qr)
	mux.HandleFunc("GET /ws", s.ws(Overlay))
	mux.HandleFunc("GET /ws/remote", s.ws(Remote))
	mux.HandleFunc("GET /stats", s.stats)
	mux.HandleFunc("GET /report/{id}", s.report)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	return s.guard(mux)
}

// guard applies the Host allowlist (403), the token (401) and safe headers.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if !s.hostAllowed(r.Host) {
			s.log.Warn().Str("host", r.Host).Str("remote", r.RemoteAddr).Msg("refused a request for an unknown host name")
			refuse(w, http.StatusForbidden, "This address is not allowed.",
				"Open backcoach with the address it printed when it started.")
			return
		}
		if s.cfg.Token != "" {
			q := r.URL.Query().Get("token")
			ok := q != "" && subtle.ConstantTimeCompare([]byte(q), []byte(s.cfg.Token)) == 1
			if ok {
				http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: s.cfg.Token, Path: "/",
					HttpOnly: true, SameSite: http.SameSiteStrictMode})
			} else if c, err := r.Cookie(tokenCookie); err == nil &&
				subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.cfg.Token)) == 1 {
				ok = true
			}
			if !ok {
				s.log.Warn().Str("path", r.URL.Path).Str("remote", r.RemoteAddr).Msg("refused a request without the access code")
				refuse(w, http.StatusUnauthorized, "This page needs its access code.",
					"Use the full address backcoach printed when it started (it ends with ?token=…), or scan the QR code on the coaching screen.")
				return
			}
		}
		// The Host is on the allowlist, so it is safe to name: some browsers
		// do not count ws:// as 'self'.
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "+
			"connect-src 'self' ws://"+r.Host+" wss://"+r.Host+"; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		next.ServeHTTP(w, r)
	})
}

// stats serves the counters as JSON: what the hub sent and dropped, and
// the pipeline's own counts.
func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	st := s.hub.Stats()
	out := map[string]any{
		"clients": st.Clients, "sent": st.Sent, "dropped_frames": st.DroppedFrames,
		"slow_clients_cut": st.Disconnected, "goroutines": runtime.NumGoroutine(),
	}
	if s.cfg.Stats != nil {
		for k, v := range s.cfg.Stats() {
			out[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// refuse writes a short page in plain words.
func refuse(w http.ResponseWriter, code int, title, hint string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">`+
		`<title>backcoach</title><body style="font-family:sans-serif;max-width:32em;margin:3em auto;line-height:1.5">`+
		`<h1 style="font-size:1.4em">%s</h1><p>%s</p></body>`, title, hint)
}

func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			http.Error(w, "page missing", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	}
}

// qr serves a PNG QR code of the remote's address (token included).
func (s *Server) qr(w http.ResponseWriter, r *http.Request) {
	png, err := qrcode.Encode(s.RemoteURL(), qrcode.Medium, 256)
	if err != nil {
		s.log.Error().Err(err).Msg("make the remote's QR code")
		http.Error(w, "no QR code", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(png)
}

// Websocket timing.
const (
	pongWait = 40 * time.Second
)

// ws upgrades to a websocket (only from the page's own origin) and reads the
// client's messages until it goes.
func (s *Server) ws(kind Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			s.log.Warn().Str("origin", r.Header.Get("Origin")).Str("host", r.Host).Msg("refused a websocket from another site")
			http.Error(w, "websocket refused: wrong origin", http.StatusForbidden)
			return
		}
		conn, err := s.upgrader.Upgrade(w, r, nil)
		if err != nil {
			s.log.Debug().Err(err).Msg("websocket upgrade failed")
			return
		}
		conn.SetReadLimit(models.MaxClientMessage)
		c, err := s.hub.add(conn, kind)
		if err != nil {
			conn.Close()
			return
		}
		s.read(c)
	}
}

// read reads one client's messages; a bad message closes the connection.
func (s *Server) read(c *client) {
	defer s.hub.remove(c, "reader ended")
	conn := c.conn
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	// Token bucket for receiver presses.
	rate := s.cfg.ReceiverRate
	tokens, last, flood := 2*rate, time.Now(), 0
	closeWith := func(code int, why string) {
		msg := websocket.FormatCloseMessage(code, why)
		_ = conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	}
	for {
		typ, data, err := conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				s.log.Warn().Int64("client", c.id).Stringer("kind", c.kind).Msg("closed a websocket that sent an oversized message")
				closeWith(websocket.CloseMessageTooBig, "message too big")
			}
			return
		}
		_ = conn.SetReadDeadline(time.Now().Add(pongWait))
		if typ != websocket.TextMessage {
			s.log.Warn().Int64("client", c.id).Msg("closed a websocket that sent binary data")
			closeWith(websocket.CloseUnsupportedData, "text messages only")
			return
		}
		m, err := models.DecodeClient(data)
		if err == nil && c.kind == Remote && m.Type != models.MsgReceiver {
			err = fmt.Errorf("%w: the remote may only send receiver presses", models.ErrBadMessage)
		}
		if err != nil {
			s.log.Warn().Err(err).Int64("client", c.id).Stringer("kind", c.kind).Msg("closed a websocket that sent a bad message")
			closeWith(websocket.ClosePolicyViolation, "bad message")
			return
		}
		if m.Type == models.MsgReceiver {
			now := time.Now()
			tokens += now.Sub(last).Seconds() * rate
			last = now
			if tokens > 2*rate {
				tokens = 2 * rate
			}
			if tokens < 1 {
				flood++
				s.log.Warn().Int64("client", c.id).Str("action", m.Action).Msg("ignored a receiver press: too many presses")
				if flood > int(4*rate) {
					closeWith(websocket.ClosePolicyViolation, "too many presses")
					return
				}
				continue
			}
			tokens--
			flood = 0
		}
		if s.cfg.OnMessage != nil {
			s.cfg.OnMessage(c.kind, m)
		}
	}
}

// sameOrigin accepts a websocket only when its Origin is this page's own
// origin (same host and port as the request).
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// hostAllowed checks a request's Host against the allowlist (any port).
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, port, err := net.SplitHostPort(hostport); err == nil {
		if _, perr := strconv.ParseUint(port, 10, 16); perr != nil {
			return false
		}
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	host = strings.TrimSuffix(host, ".")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allowed[host]
}

// allowedHosts lists the host names requests may use: loopback names, the
// listen host and, when listening on all interfaces, this computer's
// addresses and names.
func allowedHosts(listenHost string) map[string]bool {
	m := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	lh := strings.ToLower(strings.Trim(listenHost, "[]"))
	if lh != "" {
		m[lh] = true
	}
	ip := net.ParseIP(lh)
	if lh == "" || (ip != nil && ip.IsUnspecified()) {
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					m[strings.ToLower(n.IP.String())] = true
				}
			}
		}
		if hn, err := os.Hostname(); err == nil && hn != "" {
			hn = strings.ToLower(hn)
			m[hn] = true
			m[hn+".local"] = true
		}
	}
	return m
}

func isLoopbackHost(h string) bool {
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// lanAddress returns this computer's first private IPv4 address ("" if none).
func lanAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip4 := n.IP.To4(); ip4 != nil && !ip4.IsLoopback() && ip4.IsPrivate() {
				return ip4.String()
			}
		}
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip4 := n.IP.To4(); ip4 != nil && !ip4.IsLoopback() {
				return ip4.String()
			}
		}
	}
	return ""
}
