package web_test

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/backcoach/backcoach/web"
)

// BenchmarkHubLatency measures the web part alone: from PublishVideo (a
// 40 KB JPEG and its frame message, 30 per second) to the JPEG leaving the
// server, with 10 overlay clients. It reports p50 and p99 in milliseconds.
func BenchmarkHubLatency(b *testing.B) {
	var mu sync.Mutex
	var lat []time.Duration
	ts := mustStart(b, web.Config{Hub: web.HubOptions{OnSent: func(c time.Time) {
		d := time.Since(c)
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
	}}})
	hub := ts.srv.Hub()
	for range 10 {
		c := ts.dial(b, "/ws")
		go func() {
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
	}
	waitClients(b, hub, 10)
	jpeg := make([]byte, 40<<10)
	frame := []byte(`{"type":"frame","t":1.5,"i":45,"hands":[{"id":0,"x":250,"y":380,"u":-0.4,"v":0.2,"speed":0.2,"phase":"ascent"}],"phase":"ascent"}`)
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	b.ResetTimer()
	for range max(b.N, 150) {
		<-tick.C
		hub.PublishVideo(jpeg, frame, time.Now())
	}
	time.Sleep(100 * time.Millisecond)
	b.StopTimer()
	mu.Lock()
	got := append([]time.Duration(nil), lat...)
	mu.Unlock()
	if len(got) == 0 {
		b.Fatal("nothing sent")
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	q := func(p float64) float64 { return float64(got[int(p*float64(len(got)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(hub.Stats().DroppedFrames), "dropped")
}
