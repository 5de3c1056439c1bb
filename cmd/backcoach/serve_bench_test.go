package main

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkFrameToWebsocket measures the latency from a frame's capture to
// its video message leaving the server, through the whole live pipeline
// (vision, coach, JPEG, hub), with 10 overlay clients at the video's 30 fps.
// It reports p50 and p99 in milliseconds. Run it with -benchtime=1x: each
// run plays 10 s of video.
func BenchmarkFrameToWebsocket(b *testing.B) {
	video, _ := serveVideo(b)
	var mu sync.Mutex
	var lat []time.Duration
	onSent := func(captured time.Time) {
		d := time.Since(captured)
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
	}
	for range b.N {
		rs := startServe(b, video, true, onSent)
		base := strings.TrimSuffix(rs.url, "/")
		h := http.Header{"Origin": {base}}
		var conns []*websocket.Conn
		calibrated := make(chan struct{})
		var calOnce sync.Once
		for i := range 10 {
			c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", h)
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
			go func() {
				for {
					mt, b, err := c.ReadMessage()
					if err != nil {
						return
					}
					if i == 0 && mt == websocket.TextMessage && strings.Contains(string(b), `"type":"hello"`) &&
						strings.Contains(string(b), `"spine_top"`) {
						calOnce.Do(func() { close(calibrated) })
					}
				}
			}()
		}
		// Measure the steady state: after calibration and its catch-up.
		select {
		case <-calibrated:
		case <-time.After(30 * time.Second):
			b.Fatal("never calibrated")
		}
		time.Sleep(2 * time.Second)
		mu.Lock()
		lat = lat[:0]
		mu.Unlock()
		time.Sleep(10 * time.Second)
		mu.Lock()
		got := append([]time.Duration(nil), lat...)
		mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
		rs.stop(b)
		if len(got) == 0 {
			b.Fatal("no frame reached the clients")
		}
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		ms := func(q float64) float64 {
			return float64(got[int(q*float64(len(got)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(ms(0.50), "p50-ms")
		b.ReportMetric(ms(0.99), "p99-ms")
		b.ReportMetric(float64(len(got))/10/10, "fps/client")
	}
}
