package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/vision"
	"github.com/backcoach/backcoach/web"
	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
	"gocv.io/x/gocv"
)

// mjpegCamera is an in-process MJPEG HTTP camera (like a phone's stream)
// that a test can cut and restore.
type mjpegCamera struct {
	addr  string
	mu    sync.Mutex
	srv   *http.Server
	jpeg  [][]byte
	stall chan struct{} // closed: the stream stops sending but stays open
}

func (c *mjpegCamera) start(t *testing.T, frames [][]byte) {
	t.Helper()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		t.Fatalf("camera listen: %v", err)
	}
	c.addr = ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
		tick := time.NewTicker(time.Second / 30)
		defer tick.Stop()
		for i := 0; ; i++ {
			b := frames[i%len(frames)]
			if _, err := fmt.Fprintf(w, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(b)); err != nil {
				return
			}
			if _, err := w.Write(append(b, '\r', '\n')); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
			c.mu.Lock()
			stall := c.stall
			c.mu.Unlock()
			if stall != nil {
				select {
				case <-stall:
					<-r.Context().Done() // hang: no more frames, connection open
					return
				default:
				}
			}
		}
	})}
	c.mu.Lock()
	c.srv = srv
	c.jpeg = frames
	c.stall = make(chan struct{})
	c.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// hang stops sending frames but keeps the connection open (a stalled
// stream: reads block).
func (c *mjpegCamera) hang() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.stall)
}

// cut drops the stream and every connection, like a pulled cable.
func (c *mjpegCamera) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv != nil {
		_ = c.srv.Close()
		c.srv = nil
	}
}

// loadJPEGs decodes up to n frames of a video into JPEGs; flip mirrors
// them (a moved camera).
func loadJPEGs(t *testing.T, video string, n int, flip bool) [][]byte {
	t.Helper()
	src, err := vision.Open(vision.SourceSpec{File: video})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	m := gocv.NewMat()
	defer m.Close()
	f := gocv.NewMat()
	defer f.Close()
	var out [][]byte
	for len(out) < n {
		if err := src.Read(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		img := m
		if flip {
			gocv.Flip(m, &f, -1)
			img = f
		}
		b, err := vision.EncodeJPEG(img, 80)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestServeCameraLoss cuts a live MJPEG camera: serve keeps running, the
// page is told the camera is lost, and when the stream comes back coaching
// resumes with the same session and calibration; when the view moved while
// it was gone, the back is found again.
func TestServeCameraLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 30 s")
	}
	video := filepath.Join("..", "..", "testdata", "correct.mp4")
	if _, err := os.Stat(video); err != nil {
		video, _ = serveVideo(t)
	}
	frames := loadJPEGs(t, video, 150, false)
	moved := loadJPEGs(t, video, 150, true)
	matsBefore := serveMatCount()
	cam := &mjpegCamera{addr: "127.0.0.1:0"}
	cam.start(t, frames)
	defer cam.cut()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := t.TempDir()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeConfig{
			Spec:    vision.SourceSpec{URL: "http://" + cam.addr + "/video.mjpg"},
			Routine: coach.DefaultRoutine(), Web: web.Config{Listen: "127.0.0.1:0"},
			DataDir: data, AutoStart: true, OnReady: func(u string) { ready <- u },
		}, zerolog.Nop())
	}()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	base := strings.TrimSuffix(url, "/")
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", http.Header{"Origin": {base}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()

	type state struct {
		camera     string
		frames     int
		sessions   map[string]bool
		calibrated int // hellos that carried a back after one without
		hadBack    bool
	}
	var mu sync.Mutex
	st := state{sessions: map[string]bool{}}
	go func() {
		for {
			mt, b, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if mt != websocket.TextMessage {
				continue
			}
			var m struct {
				Type    string          `json:"type"`
				Camera  string          `json:"camera"`
				Session string          `json:"session"`
				Back    json.RawMessage `json:"back"`
			}
			if json.Unmarshal(b, &m) != nil {
				continue
			}
			mu.Lock()
			switch m.Type {
			case "frame":
				st.frames++
			case "status":
				st.camera = m.Camera
			case "hello":
				st.sessions[m.Session] = true
				has := len(m.Back) > 0 && string(m.Back) != "null"
				if has && !st.hadBack {
					st.calibrated++
				}
				st.hadBack = has
			}
			mu.Unlock()
		}
	}()
	waitFor := func(what string, within time.Duration, ok func(s state) bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			mu.Lock()
			good := ok(st)
			cur := st
			mu.Unlock()
			if good {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v (camera %q, frames %d, calibrations %d)", what, within, cur.camera, cur.frames, cur.calibrated)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("calibrated and streaming", 20*time.Second, func(s state) bool { return s.calibrated == 1 && s.frames > 30 && s.camera == "ok" })

	// Cut: the page hears of it within the 2 s watchdog (+ margin).
	t0 := time.Now()
	cam.cut()
	waitFor("camera lost", 5*time.Second, func(s state) bool { return s.camera == "lost" })
	t.Logf("camera lost reported after %v", time.Since(t0).Round(10*time.Millisecond))

	// Restore the same view: same session, no new calibration.
	time.Sleep(time.Second)
	mu.Lock()
	before := st.frames
	mu.Unlock()
	cam.start(t, frames)
	t1 := time.Now()
	waitFor("camera back", 20*time.Second, func(s state) bool { return s.camera == "ok" && s.frames > before+30 })
	t.Logf("camera back after %v", time.Since(t1).Round(10*time.Millisecond))
	mu.Lock()
	if st.calibrated != 1 || len(st.sessions) != 1 {
		t.Errorf("same view: want the same session and calibration, got %d calibrations, sessions %v", st.calibrated, st.sessions)
	}
	mu.Unlock()

	// A stalled stream (reads block): reported lost, and the capture is
	// started afresh once the stream is back.
	t2 := time.Now()
	cam.hang()
	waitFor("stalled stream reported lost", 8*time.Second, func(s state) bool { return s.camera == "lost" })
	t.Logf("stalled stream reported lost after %v", time.Since(t2).Round(10*time.Millisecond))
	cam.cut()
	mu.Lock()
	before = st.frames
	mu.Unlock()
	cam.start(t, frames)
	waitFor("camera back after the stall", 30*time.Second, func(s state) bool { return s.camera == "ok" && s.frames > before+30 })
	t.Logf("camera back %v after the stall began", time.Since(t2).Round(10*time.Millisecond))

	// Cut again and come back with a moved view: the back is found again.
	cam.cut()
	waitFor("camera lost again", 5*time.Second, func(s state) bool { return s.camera == "lost" })
	cam.start(t, moved)
	waitFor("recalibrated after the view moved", 25*time.Second, func(s state) bool { return s.calibrated == 2 && s.camera == "ok" })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if after := serveMatCount(); after != matsBefore {
		t.Errorf("open Mats: %d before serve, %d after: a Mat leaked", matsBefore, after)
	}
	logs, _ := filepath.Glob(filepath.Join(data, "session-*.jsonl"))
	if len(logs) != 1 {
		t.Fatalf("want one session log, got %v", logs)
	}
	b, _ := os.ReadFile(logs[0])
	if n := strings.Count(string(b), `"event":"calibration"`); n != 2 {
		t.Errorf("session log has %d calibration events, want 2", n)
	}
	if !strings.Contains(string(b), `"camera":"lost"`) || !strings.Contains(string(b), `"event":"summary"`) {
		t.Errorf("session log lacks the camera loss or the summary:\n%s", b)
	}
}
