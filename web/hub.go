package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

// Kind says which page a websocket client is.
type Kind int

// The two kinds of clients.
const (
	// Overlay is the coaching page (/ws): it gets video, frames and every message.
	Overlay Kind = iota
	// Remote is the receiver's phone (/ws/remote): it never gets video or frames.
	Remote
)

// String names the kind for logs.
func (k Kind) String() string {
	if k == Remote {
		return "remote"
	}
	return "overlay"
}

// HubOptions tune a Hub. Zero values take the defaults.
type HubOptions struct {
	// QueueSize is how many never-dropped messages a client may have waiting
	// (default 256). A client that falls that far behind is disconnected —
	// its page reconnects and gets a fresh hello — because dropping one of
	// those messages is not allowed and waiting for it is not either.
	QueueSize int
	// WriteTimeout bounds every write to a client (default 5 s).
	WriteTimeout time.Duration
	// PingInterval is how often clients are pinged (default 15 s); a client
	// that does not answer within two intervals is closed.
	PingInterval time.Duration
	// OnSent, if set, is called by a client's writer after a video frame
	// left the server, with the frame's capture time (for latency figures).
	OnSent func(captured time.Time)
}

// video is one droppable frame: the JPEG and its frame message.
type video struct {
	jpeg     []byte
	frame    []byte
	captured time.Time
}

// Stats counts what the hub did.
type Stats struct {
	Clients       int   // connected now
	Sent          int64 // messages written (text and binary)
	DroppedFrames int64 // video frames replaced before a slow client took them
	Disconnected  int64 // clients closed because their queue overflowed
}

// Hub fans messages out to websocket clients. Publishing never blocks: each
// client has one writer goroutine with a bounded queue of never-dropped
// messages (kept in order) and a one-slot mailbox for video (newest wins).
type Hub struct {
	opts HubOptions
	log  zerolog.Logger

	mu      sync.Mutex
	clients map[*client]struct{}
	closed  bool
	sticky  map[string][]byte // the latest message of each sticky kind
	stickyK []string          // sticky kinds in the order a new client gets them

	sent         atomic.Int64
	dropped      atomic.Int64
	disconnected atomic.Int64
}

// NewHub makes a hub.
func NewHub(opts HubOptions, log zerolog.Logger) *Hub {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 256
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = 15 * time.Second
	}
	return &Hub{opts: opts, log: log, clients: map[*client]struct{}{}, sticky: map[string][]byte{}}
}

// client is one websocket connection and its writer's queues.
type client struct {
	hub  *Hub
	conn *websocket.Conn
	kind Kind
	id   int64

	queue chan []byte   // never-dropped JSON messages, in order
	wake  chan struct{} // one-slot: a video frame is waiting
	done  chan struct{} // closed when the client is gone
	once  sync.Once
	cut   atomic.Bool // disconnected for falling behind

	vmu   sync.Mutex
	video *video
}

var clientIDs atomic.Int64

// add registers a connection and starts its writer. The latest sticky
// messages (hello, status) are queued before anything else.
func (h *Hub) add(conn *websocket.Conn, kind Kind) (*client, error) {
	c := &client{
		hub: h, conn: conn, kind: kind, id: clientIDs.Add(1),
		queue: make(chan []byte, h.opts.QueueSize),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, errors.New("the server is shutting down")
	}
	for _, k := range h.stickyK {
		select {
		case c.queue <- h.sticky[k]:
		default:
		}
	}
	h.clients[c] = struct{}{}
	n := len(h.clients)
	h.mu.Unlock()
	h.log.Debug().Int64("client", c.id).Stringer("kind", kind).Int("clients", n).Msg("client connected")
	go c.writer()
	return c, nil
}

// remove forgets a client and closes its connection (idempotent).
func (h *Hub) remove(c *client, why string) {
	c.once.Do(func() {
		h.mu.Lock()
		delete(h.clients, c)
		n := len(h.clients)
		h.mu.Unlock()
		close(c.done)
		c.conn.Close()
		h.log.Debug().Int64("client", c.id).Stringer("kind", c.kind).Str("why", why).Int("clients", n).Msg("client gone")
	})
}

// snapshot returns the current clients.
func (h *Hub) snapshot() []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		out = append(out, c)
	}
	return out
}

// Publish sends a JSON message to every client of the given kinds (both
// when none are given). It is never dropped: a client whose queue is full
// is disconnected instead. It never blocks.
func (h *Hub) Publish(msg any, kinds ...Kind) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("publish: encode message: %w", err)
	}
	h.PublishRaw(b, kinds...)
	return nil
}

// DropSticky forgets the kept message of key (a new session's pages must
// not get the last session's summary); clients already sent it keep it.
func (h *Hub) DropSticky(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.sticky[key]; !ok {
		return
	}
	delete(h.sticky, key)
	for i, k := range h.stickyK {
		if k == key {
			h.stickyK = append(h.stickyK[:i:i], h.stickyK[i+1:]...)
			break
		}
	}
}

// PublishSticky publishes a JSON message to every client and keeps it: a
// client that connects later gets the latest sticky message of each key
// first (the hello snapshot, the current status).
func (h *Hub) PublishSticky(key string, msg any) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("publish %s: encode message: %w", key, err)
	}
	h.mu.Lock()
	if _, ok := h.sticky[key]; !ok {
		h.stickyK = append(h.stickyK, key)
	}
	h.sticky[key] = b
	clients := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		clients = append(clients, c)
	}
	h.mu.Unlock()
	h.send(clients, b, nil)
	return nil
}

// PublishRaw is Publish for an already encoded JSON message.
func (h *Hub) PublishRaw(b []byte, kinds ...Kind) {
	h.send(h.snapshot(), b, kinds)
}

func (h *Hub) send(clients []*client, b []byte, kinds []Kind) {
	for _, c := range clients {
		if !wants(c.kind, kinds) {
			continue
		}
		select {
		case c.queue <- b:
		default:
			if !c.cut.CompareAndSwap(false, true) {
				continue // already being disconnected
			}
			h.disconnected.Add(1)
			h.log.Warn().Int64("client", c.id).Stringer("kind", c.kind).Msg("a browser fell too far behind; disconnecting it (it will reconnect)")
			go h.remove(c, "queue full")
		}
	}
}

func wants(k Kind, kinds []Kind) bool {
	if len(kinds) == 0 {
		return true
	}
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// PublishVideo offers a video frame (JPEG, may be nil) and its frame message
// (JSON, may be nil) to every overlay client. A client that has not taken
// the previous frame yet gets this one instead (the old one is counted as
// dropped). It never blocks.
func (h *Hub) PublishVideo(jpeg, frame []byte, captured time.Time) {
	v := &video{jpeg: jpeg, frame: frame, captured: captured}
	for _, c := range h.snapshot() {
		if c.kind != Overlay {
			continue
		}
		c.vmu.Lock()
		if c.video != nil {
			h.dropped.Add(1)
		}
		c.video = v
		c.vmu.Unlock()
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	n := len(h.clients)
	h.mu.Unlock()
	return Stats{Clients: n, Sent: h.sent.Load(), DroppedFrames: h.dropped.Load(), Disconnected: h.disconnected.Load()}
}

// Close disconnects every client and refuses new ones.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	for _, c := range h.snapshot() {
		c.closeGracefully()
		h.remove(c, "server closing")
	}
}

func (c *client) closeGracefully() {
	msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "backcoach stopped")
	_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
}

// writer is the only goroutine that writes to the connection. Never-dropped
// messages go first, in order; then the newest video frame.
func (c *client) writer() {
	h := c.hub
	ping := time.NewTicker(h.opts.PingInterval)
	defer ping.Stop()
	defer h.remove(c, "writer ended")
	write := func(typ int, b []byte) bool {
		_ = c.conn.SetWriteDeadline(time.Now().Add(h.opts.WriteTimeout))
		if err := c.conn.WriteMessage(typ, b); err != nil {
			h.log.Debug().Err(err).Int64("client", c.id).Msg("write failed")
			return false
		}
		h.sent.Add(1)
		return true
	}
	for {
		// Drain never-dropped messages first.
		select {
		case b := <-c.queue:
			if !write(websocket.TextMessage, b) {
				return
			}
			continue
		case <-c.done:
			return
		default:
		}
		select {
		case b := <-c.queue:
			if !write(websocket.TextMessage, b) {
				return
			}
		case <-c.wake:
			c.vmu.Lock()
			v := c.video
			c.video = nil
			c.vmu.Unlock()
			if v == nil {
				continue
			}
			if v.frame != nil && !write(websocket.TextMessage, v.frame) {
				return
			}
			if v.jpeg != nil && !write(websocket.BinaryMessage, v.jpeg) {
				return
			}
			if h.opts.OnSent != nil {
				h.opts.OnSent(v.captured)
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.opts.WriteTimeout)); err != nil {
				return
			}
		case <-c.done:
			return
		}
	}
}
