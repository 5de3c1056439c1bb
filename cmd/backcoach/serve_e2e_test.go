package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// holdHellos runs in the overlay page before its scripts: it records the
// page's websockets so that, while window.__bcHold is set, the server's
// hello messages wait; window.__bcStale(m) delivers a hello of the test's
// own at once and window.__bcRelease() lets the held ones through in order.
const holdHellos = `(() => {
  const WS = window.WebSocket, held = [];
  let handler = null;
  window.__bcStale = (m) => handler && handler({data: JSON.stringify(m)});
  window.__bcRelease = () => { window.__bcHold = false; held.splice(0).forEach((ev) => handler && handler(ev)); };
  function Wrapped(url, protocols) {
    const s = protocols === undefined ? new WS(url) : new WS(url, protocols);
    Object.defineProperty(s, 'onmessage', {
      set(h) {
        handler = h;
        s.addEventListener('message', (ev) => {
          if (window.__bcHold && typeof ev.data === 'string' && ev.data.includes('"type":"hello"')) { held.push(ev); return; }
          h(ev);
        });
      },
    });
    return s;
  }
  Wrapped.prototype = WS.prototype;
  Object.assign(Wrapped, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Wrapped;
})();`

// TestServeEndToEnd runs serve on a testdata video, opens the overlay and
// the remote in headless Chromium, goes through the checklist, checks that
// the hands are drawn and the video's expected feedback codes appear, and
// that stop on the remote shows STOP on the overlay within 1 s. Then it
// finishes the session from the page (serve_finish_e2e_test.go): the
// summary links to the report page, which loads with the same counts; a new
// session starts from the checklist; Ctrl-C reports that one too.
func TestServeEndToEnd(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	if testing.Short() {
		t.Skip("plays a video at its real pace")
	}
	video, truth := serveVideo(t)
	// The page must show every code the truth expects that the pipeline
	// itself produces on this video (an offline replay): this tests the live
	// path, not the tracker's accuracy, which the vision tests measure.
	repPath := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"replay", video, "--report", repPath, "--log-level", "warn"}, &stdout, &stderr); code != 0 {
		t.Fatalf("replay %s: exit %d: %s", video, code, stderr.String())
	}
	var rep models.Report
	if b, err := os.ReadFile(repPath); err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("read the replay report: %v", err)
	}
	produced := map[models.Code]bool{}
	for _, f := range rep.Feedback {
		produced[f.Code] = true
	}
	want := map[models.Code]bool{}
	for _, seg := range truth.Segments {
		for _, c := range seg.Expect {
			if produced[c] {
				want[c] = true
			} else {
				t.Logf("note: the pipeline does not produce the expected %q on %s even offline; not required here", c, filepath.Base(video))
			}
		}
	}
	if len(want) == 0 {
		t.Fatalf("the replay of %s produced none of the expected codes; nothing to check", video)
	}
	matsBefore := serveMatCount()
	// The video loops, so that the session is still running when the page
	// finishes it (a recording that ends finishes the session by itself).
	rs := startServeWith(t, video, false, nil, func(c *ServeConfig) { c.Loop = true })

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 960),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	overlay, cancelO := chromedp.NewContext(actx)
	defer cancelO()
	overlay, cancelT := context.WithTimeout(overlay, 3*time.Minute)
	defer cancelT()

	// Any script error on the pages fails the test.
	var jsMu sync.Mutex
	var jsErrors []string
	listenJS := func(ctx context.Context, page string) {
		if err := chromedp.Listen(ctx, func(ev any) {
			var msg string
			switch e := ev.(type) {
			case *cdpruntime.EventExceptionThrown:
				msg = e.ExceptionDetails.Text
				if e.ExceptionDetails.Exception != nil {
					msg += " " + e.ExceptionDetails.Exception.Description
				}
			case *cdpruntime.EventConsoleAPICalled:
				if e.Type != cdpruntime.ConsoleAPICalledTypeError {
					return
				}
				msg = "console.error"
			default:
				return
			}
			jsMu.Lock()
			jsErrors = append(jsErrors, page+": "+msg)
			jsMu.Unlock()
		}); err != nil {
			t.Fatalf("listen to %s: %v", page, err)
		}
	}
	listenJS(overlay, "overlay")
	defer func() {
		jsMu.Lock()
		defer jsMu.Unlock()
		for _, e := range jsErrors {
			t.Errorf("script error on the page: %s", e)
		}
	}()

	// The checklist comes first; tick it and start. The page's sockets are
	// wrapped so that the test can hold back the server's hellos and slip
	// in one of its own (see holdHellos).
	if err := chromedp.Do(overlay,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: holdHellos})
			return err
		}),
		chromedp.Navigate(rs.url),
		chromedp.WaitVisible(chromedp.CSS(`#check`)),
		chromedp.WaitVisible(chromedp.CSS(`#conn.ok`)),
	); err != nil {
		t.Fatalf("open the overlay: %v", err)
	}
	screenshot(t, overlay, "checklist.png")
	disabled, err := chromedp.Run(overlay, chromedp.Evaluate[bool](`document.getElementById('startBtn').disabled`))
	if err != nil || !disabled {
		t.Fatalf("start must wait for the checklist (disabled=%v, %v)", disabled, err)
	}
	// Mark a numb area on the back picture (beside the waist, off the
	// strokes' path): it must reach the server as an avoid zone.
	type rect struct{ X, Y, W, H float64 }
	r, err := chromedp.Run(overlay, chromedp.Evaluate[rect](`(() => { const b = document.getElementById('backDraw').getBoundingClientRect();
		return {X: b.left, Y: b.top, W: b.width, H: b.height}; })()`))
	if err != nil {
		t.Fatalf("back picture: %v", err)
	}
	at := func(cx, cy float64) (float64, float64) { return r.X + cx/260*r.W, r.Y + cy/300*r.H }
	x0, y0 := at(31, 262)
	draw := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0, chromedp.ButtonLeft)}
	for _, p := range [][2]float64{{36, 262}, {42, 262}, {48, 262}, {45, 252}, {42, 243}, {40, 233}, {36, 245}, {33, 255}} {
		x, y := at(p[0], p[1])
		draw = append(draw, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y, chromedp.ButtonLeft))
	}
	draw = append(draw, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x0, y0, chromedp.ButtonLeft))
	// A hello the server sent before it read the zone (when calibration
	// ends, say) must not wipe the zone out: hold the server's hellos back,
	// draw, deliver such a hello (no zones), then the held ones.
	if err := chromedp.Do(overlay, chromedp.Evaluate[chromedp.Void](`window.__bcHold = true`)); err != nil {
		t.Fatalf("hold hellos: %v", err)
	}
	if err := chromedp.Do(overlay, draw...); err != nil {
		t.Fatalf("draw a zone: %v", err)
	}
	kept, err := chromedp.Run(overlay, chromedp.Evaluate[float64](`(() => {
		window.__bcStale(Object.assign({}, window.backcoach.hello, {zones: []}));
		const n = window.backcoach.zones.length;
		window.__bcRelease();
		return n; })()`))
	if err != nil || kept != 1 {
		t.Errorf("after a hello from before the zone was read, the page has %v zones (%v), want 1", kept, err)
	}
	if err := chromedp.Do(overlay,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-c]').forEach(b => b.click())`),
		chromedp.Click(chromedp.CSS(`#startBtn`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#check`)),
	); err != nil {
		t.Fatalf("checklist: %v", err)
	}

	var zones float64
	for i := 0; i < 200 && zones == 0; i++ { // the loop may be busy calibrating
		zones, err = chromedp.Run(overlay, chromedp.Evaluate[float64](`(window.backcoach.hello && window.backcoach.hello.zones || []).length`))
		if err != nil {
			t.Fatalf("read the zones: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if zones != 1 {
		t.Errorf("the server has %v avoid zones after one was drawn, want 1", zones)
	}

	// Play the video through: watch for hands and feedback codes.
	dur := time.Duration(float64(len(truth.Frames))/truth.FPS*float64(time.Second)) + 8*time.Second
	deadline := time.Now().Add(dur)
	maxHands := 0
	seen := map[string]bool{}
	shot := false
	for time.Now().Before(deadline) {
		type pageState struct {
			Hands int      `json:"hands"`
			Codes []string `json:"codes"`
			Img   bool     `json:"img"`
		}
		st, err := chromedp.Run(overlay, chromedp.Evaluate[pageState](`({hands: +document.body.dataset.hands,
			codes: Array.from(document.querySelectorAll('#log li[data-code]')).map(e => e.dataset.code),
			img: !!(window.backcoach && window.backcoach.image)})`))
		if err != nil {
			t.Fatalf("read the overlay: %v", err)
		}
		maxHands = max(maxHands, st.Hands)
		for _, c := range st.Codes {
			seen[c] = true
		}
		if st.Hands >= 2 && st.Img && !shot && len(st.Codes) > 0 {
			shot = screenshot(t, overlay, "overlay.png")
		}
		done := true
		for c := range want {
			done = done && seen[string(c)]
		}
		if done && shot {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if maxHands == 0 {
		t.Error("the overlay never showed a hand")
	}
	for c := range want {
		if !seen[string(c)] {
			t.Errorf("expected feedback %q never appeared on the page (seen: %v)", c, keys(seen))
		}
	}
	if !shot {
		shot = screenshot(t, overlay, "overlay.png")
	}
	t.Logf("hands seen at once: %d; codes on the page: %v", maxHands, keys(seen))

	// The remote: stop shows STOP on the overlay within 1 s.
	remote, cancelR := chromedp.NewContext(overlay)
	defer cancelR()
	listenJS(remote, "remote")
	if err := chromedp.Do(remote,
		chromedp.EmulateViewport(390, 760, chromedp.EmulateMobile),
		chromedp.Navigate(strings.TrimSuffix(rs.url, "/")+"/remote"),
		chromedp.WaitVisible(chromedp.CSS(`.conn.ok`)),
	); err != nil {
		t.Fatalf("open the remote: %v", err)
	}
	screenshot(t, remote, "remote.png")
	if hidden, err := chromedp.Run(overlay, chromedp.Evaluate[bool](`getComputedStyle(document.getElementById('stop')).display === 'none'`)); err != nil || !hidden {
		t.Fatalf("STOP shown before stop was pressed (%v)", err)
	}
	t0 := time.Now()
	if err := chromedp.Do(remote, chromedp.Click(chromedp.CSS(`#stopBtn`))); err != nil {
		t.Fatalf("press stop: %v", err)
	}
	var lag time.Duration
	for {
		shown, err := chromedp.Run(overlay, chromedp.Evaluate[bool](`getComputedStyle(document.getElementById('stop')).display !== 'none' && document.querySelector('.stopword').textContent === 'STOP'`))
		if err == nil && shown {
			lag = time.Since(t0)
			break
		}
		if time.Since(t0) > 3*time.Second {
			t.Fatal("STOP did not appear on the overlay within 3 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("stop on the remote → STOP on the overlay: %v", lag.Round(time.Millisecond))
	if lag > time.Second {
		t.Errorf("STOP took %v to appear, want ≤ 1 s", lag)
	}
	time.Sleep(700 * time.Millisecond) // let the coach's next update go by
	stops, err := chromedp.Run(overlay, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('#log li[data-code=stop]')).map(e => e.dataset.n || '1').join(',')`))
	if err != nil || stops != "1" {
		t.Errorf("the stop feedback should be on the page once, got %q (%v)", stops, err)
	}
	screenshot(t, overlay, "overlay-stop.png")

	// Finish the session from the page: the summary, the report's link, the
	// report itself; then a new session.
	first := finishFromPage(t, rs, overlay, listenJS)
	second := newSessionFromPage(t, overlay, first)

	// Ctrl-C ends the second session (coached: the checklist was done
	// again): it gets its summary and report page too.
	rs.stop(t)
	if after := serveMatCount(); after != matsBefore {
		t.Errorf("open Mats: %d before serve, %d after: a Mat leaked", matsBefore, after)
	}
	logs, _ := filepath.Glob(filepath.Join(rs.data, "session-*.jsonl"))
	if len(logs) != 2 {
		t.Fatalf("want two session logs (finished, then a new session), found %v", logs)
	}
	for _, id := range []string{first, second} {
		if _, err := os.Stat(filepath.Join(rs.data, "session-"+id+".html")); err != nil {
			t.Errorf("session %s has no report page: %v", id, err)
		}
		if n := countEvents(t, filepath.Join(rs.data, "session-"+id+".jsonl"))["summary"]; n != 1 {
			t.Errorf("session %s: %d summaries in its log, want 1", id, n)
		}
	}

	// The first session's log has the receiver's stop and the summary.
	events := countEvents(t, filepath.Join(rs.data, "session-"+first+".jsonl"))
	for _, e := range []string{"start", "calibration", "coaching", "feedback", "receiver", "summary"} {
		if events[e] == 0 {
			t.Errorf("session log has no %q event (%v)", e, events)
		}
	}
}

// countEvents counts the events of a session log by name; every line must
// be JSON.
func countEvents(t *testing.T, path string) map[string]int {
	t.Helper()
	events := map[string]int{}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			Event string `json:"event"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("session log line is not JSON: %q", sc.Text())
		}
		events[e.Event]++
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return events
}

// screenshot saves the page to artifacts/NAME at the repository root.
func screenshot(t *testing.T, ctx context.Context, name string) bool {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot: %v", err)
		return false
	}
	dir := filepath.Join("..", "..", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot: %v", err)
		return false
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
		return false
	}
	t.Logf("screenshot saved to %s", p)
	return true
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
