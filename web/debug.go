package web

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// DebugStatsPath is where EnableDebugStats serves the process figures.
const DebugStatsPath = "/debug/stats"

// DebugStats is what GET /debug/stats returns: figures to watch a long
// session (or a soak test) for leaks.
type DebugStats struct {
	Goroutines int   `json:"goroutines"`
	RSSKB      int64 `json:"rss_kb"` // resident memory (Linux: VmRSS), -1 if unknown
	// Mats is the number of open OpenCV Mats (-1 unless the binary was
	// built with -tags matprofile).
	Mats          int   `json:"mats"`
	Clients       int   `json:"clients"`
	Sent          int64 `json:"sent"`
	DroppedFrames int64 `json:"dropped_frames"` // video frames replaced before a slow client took them (all clients)
	Disconnected  int64 `json:"slow_clients_cut"`
}

// EnableDebugStats serves GET /debug/stats: goroutines, resident memory,
// open Mats (from mats, which may be nil) and the hub's counters, as JSON.
// It answers loopback clients only, behind the same Host and token checks
// as every other page. Call it before Serve.
func (s *Server) EnableDebugStats(mats func() int) {
	stats := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil || !isLoopbackHost(host) {
			s.log.Warn().Str("remote", r.RemoteAddr).Msg("refused a debug request from another computer")
			http.Error(w, "debug figures are for this computer only", http.StatusForbidden)
			return
		}
		st := s.hub.Stats()
		d := DebugStats{Goroutines: runtime.NumGoroutine(), RSSKB: rssKB(), Mats: -1,
			Clients: st.Clients, Sent: st.Sent, DroppedFrames: st.DroppedFrames, Disconnected: st.Disconnected}
		if mats != nil {
			d.Mats = mats()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(d)
	})
	next := s.handler
	guarded := s.guard(stats)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == DebugStatsPath {
			guarded.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rssKB reads the resident set size of this process in kB from
// /proc/self/status (-1 where there is none).
func rssKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
					return n
				}
			}
		}
	}
	return -1
}
