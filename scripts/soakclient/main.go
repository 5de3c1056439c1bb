// Command soakclient is the load of scripts/soak: it opens many overlay
// websockets (/ws, each reading everything) and a few remotes (/ws/remote,
// pressing the receiver's buttons now and then) against a running
// `backcoach serve`, starts coaching like the page's checklist does, and
// compares the server's figures (resident memory, goroutines, open Mats)
// after a warm-up and at the end. It exits 1 when memory grew beyond the
// bounds, 2 on a setup failure.
//
//	go run ./scripts/soakclient -url http://127.0.0.1:8090/ -pid 1234 -duration 10m
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8090/", "the overlay's address printed by serve (token included, if any)")
	pid := flag.Int("pid", 0, "serve's process id (resident memory is read from /proc/PID/status; 0: from /stats)")
	overlays := flag.Int("overlays", 20, "overlay pages (/ws) to open")
	remotes := flag.Int("remotes", 3, "phone remotes (/ws/remote) to open")
	duration := flag.Duration("duration", 10*time.Minute, "how long to run after the warm-up")
	warmup := flag.Duration("warmup", 30*time.Second, "wait this long (calibration, caches) before the first figures")
	maxGrowth := flag.Float64("max-rss-growth", 0.30, "fail when resident memory grew by more than this fraction")
	maxGoroutines := flag.Int("max-goroutine-growth", 20, "fail when goroutines grew by more than this")
	flag.Parse()
	code, err := run(config{base: *base, pid: *pid, overlays: *overlays, remotes: *remotes,
		duration: *duration, warmup: *warmup, maxGrowth: *maxGrowth, maxGoroutines: *maxGoroutines})
	if err != nil {
		fmt.Fprintln(os.Stderr, "soakclient:", err)
	}
	os.Exit(code)
}

type config struct {
	base              string
	pid               int
	overlays, remotes int
	duration, warmup  time.Duration
	maxGrowth         float64
	maxGoroutines     int
}

// stats is the JSON of serve's GET /stats.
type stats struct {
	Goroutines    int   `json:"goroutines"`
	RSSKB         int64 `json:"rss_kb"`
	HeapKB        int64 `json:"go_heap_kb"`
	Mats          int   `json:"mats"`
	Clients       int   `json:"clients"`
	Sent          int64 `json:"sent"`
	DroppedFrames int64 `json:"dropped_frames"`
	Disconnected  int64 `json:"slow_clients_cut"`
}

// overlay counts what one overlay page received.
type overlay struct {
	frames     atomic.Int64 // frame messages
	jpegs      atomic.Int64 // binary video messages
	dropped    atomic.Int64 // gaps in the frames' index i
	feedback   atomic.Int64
	receivers  atomic.Int64
	reconnects atomic.Int64
	lastI      int64 // reader goroutine only
}

func run(cfg config) (int, error) {
	u, err := url.Parse(cfg.base)
	if err != nil {
		return 2, fmt.Errorf("-url %q: %w", cfg.base, err)
	}
	origin := u.Scheme + "://" + u.Host
	token := u.Query().Get("token")
	wsURL := func(path string) string {
		w := *u
		w.Scheme = "ws"
		if u.Scheme == "https" {
			w.Scheme = "wss"
		}
		w.Path = path
		return w.String()
	}
	statsURL := *u
	statsURL.Path = "/stats"
	if token == "" {
		statsURL.RawQuery = ""
	}
	get := func() (stats, error) { return fetchStats(statsURL.String(), cfg.pid) }

	at0, err := get()
	if err != nil {
		return 2, err
	}
	report("before clients", at0)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	pages := make([]*overlay, cfg.overlays)
	for i := range pages {
		pages[i] = &overlay{lastI: -1}
		wg.Add(1)
		go func(o *overlay, first bool) {
			defer wg.Done()
			readOverlay(wsURL("/ws"), origin, o, first, stop)
		}(pages[i], i == 0)
	}
	var presses, pressErrs atomic.Int64
	for i := 0; i < cfg.remotes; i++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			pressRemote(wsURL("/ws/remote"), origin, seed, &presses, &pressErrs, stop)
		}(uint64(i + 1))
	}

	fmt.Printf("soak: %d overlays and %d remotes connected; warming up for %v\n", cfg.overlays, cfg.remotes, cfg.warmup)
	time.Sleep(cfg.warmup)
	start, startMats, err := sample(get)
	if err != nil {
		close(stop)
		return 2, err
	}
	report("start", start)
	framesAtStart := totalFrames(pages)

	runStart := time.Now()
	deadline := runStart.Add(cfg.duration)
	tick := time.NewTicker(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-tick.C:
			if st, err := get(); err == nil {
				report(fmt.Sprintf("after %.0f min", time.Since(runStart).Minutes()), st)
			} else {
				fmt.Println("soak: stats:", err)
			}
		case <-time.After(time.Until(deadline)):
		}
	}
	tick.Stop()
	end, endMats, err := sample(get)
	if err != nil {
		close(stop)
		return 2, err
	}
	report("end", end)
	close(stop)
	wg.Wait()

	// Per-client figures.
	var frames, drops, recon []int64
	for _, o := range pages {
		frames = append(frames, o.frames.Load())
		drops = append(drops, o.dropped.Load())
		recon = append(recon, o.reconnects.Load())
	}
	fmt.Printf("soak: frames per overlay   %s (all overlays: %d during the measured run)\n", spread(frames), totalFrames(pages)-framesAtStart)
	fmt.Printf("soak: dropped per overlay  %s (gaps in the frame index; the server counted %d replaced frames)\n", spread(drops), end.DroppedFrames)
	fmt.Printf("soak: reconnects           %s; slow clients cut by the server: %d\n", spread(recon), end.Disconnected)
	fmt.Printf("soak: receiver presses     %d sent, %d failed; feedback seen by overlay 0: %d, receiver relays: %d\n",
		presses.Load(), pressErrs.Load(), pages[0].feedback.Load(), pages[0].receivers.Load())

	fail := false
	if start.RSSKB > 0 && float64(end.RSSKB) > float64(start.RSSKB)*(1+cfg.maxGrowth) {
		fmt.Printf("soak: FAIL resident memory grew %d → %d kB (more than %.0f %%)\n", start.RSSKB, end.RSSKB, cfg.maxGrowth*100)
		fail = true
	}
	if start.Mats >= 0 && endMats[0] > startMats[1] {
		fmt.Printf("soak: FAIL open Mats grew: at least %d at the end, at most %d at the start\n", endMats[0], startMats[1])
		fail = true
	}
	if end.Goroutines > start.Goroutines+cfg.maxGoroutines {
		fmt.Printf("soak: FAIL goroutines grew %d → %d\n", start.Goroutines, end.Goroutines)
		fail = true
	}
	if totalFrames(pages) == framesAtStart {
		fmt.Println("soak: FAIL the overlays got no frames during the run")
		fail = true
	}
	if fail {
		return 1, errors.New("the soak failed")
	}
	fmt.Printf("soak: PASS (bounds: resident memory +%.0f %%, no Mat growth, goroutines +%d)\n", cfg.maxGrowth*100, cfg.maxGoroutines)
	return 0, nil
}

// sample reads the figures ten times over two seconds (a frame in flight
// holds Mats for a moment): the last reading, and the least and most open
// Mats seen.
func sample(get func() (stats, error)) (stats, [2]int, error) {
	var last stats
	mats := [2]int{1 << 30, -1}
	for i := 0; i < 10; i++ {
		st, err := get()
		if err != nil {
			return st, mats, err
		}
		last = st
		mats[0] = min(mats[0], st.Mats)
		mats[1] = max(mats[1], st.Mats)
		time.Sleep(200 * time.Millisecond)
	}
	return last, mats, nil
}

func report(when string, st stats) {
	fmt.Printf("soak: %-14s rss %7d kB (Go heap %6d kB)  goroutines %4d  mats %5d  clients %3d  sent %9d  dropped frames %7d  cut %d\n",
		when, st.RSSKB, st.HeapKB, st.Goroutines, st.Mats, st.Clients, st.Sent, st.DroppedFrames, st.Disconnected)
}

func totalFrames(pages []*overlay) int64 {
	var n int64
	for _, o := range pages {
		n += o.frames.Load()
	}
	return n
}

// spread formats min / median / max.
func spread(v []int64) string {
	if len(v) == 0 {
		return "-"
	}
	s := append([]int64(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return fmt.Sprintf("min %d  median %d  max %d", s[0], s[len(s)/2], s[len(s)-1])
}

// fetchStats gets serve's /stats, with the resident memory read from
// /proc/PID/status when pid is known.
func fetchStats(u string, pid int) (stats, error) {
	var st stats
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return st, fmt.Errorf("get %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return st, fmt.Errorf("get %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("decode %s: %w", u, err)
	}
	if pid > 0 {
		rss, err := procRSS(pid)
		if err != nil {
			return st, err
		}
		st.RSSKB = rss
	}
	return st, nil
}

// procRSS reads VmRSS (kB) from /proc/PID/status.
func procRSS(pid int) (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("read resident memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			if fs := strings.Fields(rest); len(fs) > 0 {
				n, err := strconv.ParseInt(fs[0], 10, 64)
				if err != nil {
					return 0, fmt.Errorf("%s: VmRSS %q: %w", path, fs[0], err)
				}
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("%s: no VmRSS line", path)
}

// dial opens a websocket with the page's own origin.
func dial(u, origin string) (*websocket.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	c, resp, err := d.Dial(u, http.Header{"Origin": {origin}})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %d)", u, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	return c, nil
}

// readOverlay is one overlay page: it reads everything, counts frames and
// gaps in their index, and reconnects when the server closes it. The first
// page sends the checklist's zones and start, as the real page does.
func readOverlay(u, origin string, o *overlay, first bool, stop <-chan struct{}) {
	connected := false
	for {
		select {
		case <-stop:
			return
		default:
		}
		c, err := dial(u, origin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "soakclient:", err)
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			continue
		}
		if connected {
			o.reconnects.Add(1)
		}
		connected = true
		if first {
			first = false
			_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"zones","zones":[]}`))
			_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"start"}`))
		}
		done := make(chan struct{})
		go func() {
			select {
			case <-stop:
				_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				c.Close()
			case <-done:
			}
		}()
		for {
			mt, b, err := c.ReadMessage()
			if err != nil {
				break
			}
			if mt == websocket.BinaryMessage {
				o.jpegs.Add(1)
				continue
			}
			var m struct {
				Type string `json:"type"`
				I    *int64 `json:"i"`
			}
			if json.Unmarshal(b, &m) != nil {
				continue
			}
			switch m.Type {
			case "frame":
				o.frames.Add(1)
				if m.I != nil {
					if o.lastI >= 0 && *m.I > o.lastI+1 {
						o.dropped.Add(*m.I - o.lastI - 1)
					}
					o.lastI = *m.I
				}
			case "feedback":
				o.feedback.Add(1)
			case "receiver":
				o.receivers.Add(1)
			}
		}
		close(done)
		c.Close()
		o.lastI = -1 // a reconnect starts counting afresh
	}
}

// pressRemote is one phone remote: a press every 2 to 6 s (lighter, firmer,
// and now and then stop followed by resume).
func pressRemote(u, origin string, seed uint64, presses, errs *atomic.Int64, stop <-chan struct{}) {
	r := rand.New(rand.NewPCG(seed, 42))
	var c *websocket.Conn
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	// Read (and discard) what the server sends, so pings are answered.
	reader := func(c *websocket.Conn) {
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}
	send := func(action string) {
		if c == nil {
			var err error
			if c, err = dial(u, origin); err != nil {
				errs.Add(1)
				return
			}
			go reader(c)
		}
		_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type":"receiver","action":"`+action+`"}`)); err != nil {
			errs.Add(1)
			c.Close()
			c = nil
			return
		}
		presses.Add(1)
	}
	for {
		wait := time.Duration(2000+r.IntN(4000)) * time.Millisecond
		select {
		case <-stop:
			return
		case <-time.After(wait):
		}
		switch n := r.IntN(10); {
		case n < 4:
			send("lighter")
		case n < 8:
			send("firmer")
		default:
			send("stop")
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			send("resume")
		}
	}
}
