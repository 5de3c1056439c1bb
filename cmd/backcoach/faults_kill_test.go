package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/gorilla/websocket"
)

// These tests kill a real backcoach process with SIGKILL (kill -9) and
// check that what it wrote survives: the session log of `serve` is valid
// JSON lines up to the last complete line, and `replay --report` never
// leaves half a report in place of a good one.

// buildBackcoach builds the backcoach binary into a test folder.
func buildBackcoach(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "backcoach")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build backcoach: %v: %s", err, out)
	}
	return bin
}

// pollUntil calls ok every 50 ms until it is true or within has passed.
func pollUntil(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logEvent is one line of a session log.
type logEvent struct {
	Event string          `json:"event"`
	T     *float64        `json:"t"`
	Data  json.RawMessage `json:"data"`
}

// readSessionLog parses a session log: every line ended by a newline must
// be a complete JSON event; a last line without its newline (the write the
// kill interrupted) is returned apart.
func readSessionLog(t *testing.T, path string) (events []logEvent, partial string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the session log: %v", err)
	}
	lines := strings.Split(string(b), "\n")
	partial = lines[len(lines)-1] // "" when the file ends with a newline
	for i, l := range lines[:len(lines)-1] {
		var e logEvent
		dec := json.NewDecoder(strings.NewReader(l))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&struct {
			*logEvent
			Wall time.Time `json:"wall"`
		}{logEvent: &e}); err != nil {
			t.Fatalf("session log line %d is not a complete event: %v: %q", i+1, err, l)
		}
		if e.Event == "" || e.T == nil {
			t.Fatalf("session log line %d lacks event or t: %q", i+1, l)
		}
		events = append(events, e)
	}
	return events, partial
}

// TestServeSessionLogSurvivesKill9 runs `backcoach serve` on a recording as
// a child process, starts coaching over /ws as the page's checklist does,
// presses the receiver's buttons over /ws/remote, and kills it with
// SIGKILL mid-session while presses are still coming. The session log is
// valid JSON lines up to the last complete line, and every press the
// overlay saw relayed is in it (the log is written before the relay).
func TestServeSessionLogSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and plays a video at its real pace")
	}
	bin := buildBackcoach(t)
	data := t.TempDir()
	video, err := filepath.Abs(filepath.Join("..", "..", "testdata", "correct.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(video); err != nil {
		t.Skipf("no test video: %v", err)
	}
	cmd := exec.Command(bin, "serve", "--video", video, "--loop", "--listen", "127.0.0.1:0",
		"--data", data, "--log-format", "json", "--log-level", "info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errPath := filepath.Join(t.TempDir(), "serve.err")
	errFile, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	cmd.Stderr = errFile
	serveErr := func() string { b, _ := os.ReadFile(errPath); return string(b) }
	if err := cmd.Start(); err != nil {
		t.Fatalf("start serve: %v", err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	// The URL is the printed line that starts with http://.
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); !sent && strings.HasPrefix(l, "http://") {
				urlc <- l
				sent = true
			}
		}
	}()
	var base string
	select {
	case u := <-urlc:
		base = strings.TrimSuffix(u, "/")
	case <-time.After(90 * time.Second):
		t.Fatalf("serve printed no address within 90 s; stderr:\n%s", serveErr())
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("serve listens on %q, want loopback", base)
	}
	wsBase := "ws" + strings.TrimPrefix(base, "http")
	origin := http.Header{"Origin": {base}}

	// The overlay: zones and start, as the checklist sends them; then read
	// everything, counting the receiver presses relayed to it.
	ov, _, err := websocket.DefaultDialer.Dial(wsBase+"/ws", origin)
	if err != nil {
		t.Fatalf("dial /ws: %v", err)
	}
	defer ov.Close()
	for _, m := range []string{`{"type":"zones","zones":[]}`, `{"type":"start"}`} {
		if err := ov.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			t.Fatalf("send %s: %v", m, err)
		}
	}
	var relayed, frames atomic.Int64
	go func() {
		for {
			mt, b, err := ov.ReadMessage()
			if err != nil {
				return
			}
			if mt != websocket.TextMessage {
				continue
			}
			var m struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(b, &m) == nil {
				switch m.Type {
				case "receiver":
					relayed.Add(1)
				case "frame":
					frames.Add(1)
				}
			}
		}
	}()

	logs := func() []string {
		m, _ := filepath.Glob(filepath.Join(data, "session-*.jsonl"))
		return m
	}
	pollUntil(t, "a session log", 60*time.Second, func() bool { return len(logs()) == 1 })
	logPath := logs()[0]
	countEvent := func(event string) int {
		b, _ := os.ReadFile(logPath)
		return strings.Count(string(b), `"event":"`+event+`"`)
	}
	pollUntil(t, "coaching started in the log", 90*time.Second, func() bool { return countEvent("coaching") == 1 })
	pollUntil(t, "frames reaching the overlay", 120*time.Second, func() bool { return frames.Load() > 30 })

	// The remote presses a button every 250 ms (under the 5/s limit) until
	// the process is gone.
	rm, _, err := websocket.DefaultDialer.Dial(wsBase+"/ws/remote", origin)
	if err != nil {
		t.Fatalf("dial /ws/remote: %v", err)
	}
	defer rm.Close()
	go func() {
		for {
			if _, _, err := rm.ReadMessage(); err != nil {
				return
			}
		}
	}()
	var sent atomic.Int64
	pressDone := make(chan struct{})
	go func() {
		defer close(pressDone)
		actions := []string{"lighter", "firmer", "stop", "resume"}
		for i := 0; ; i++ {
			msg := `{"type":"receiver","action":"` + actions[i%len(actions)] + `"}`
			_ = rm.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := rm.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
				return
			}
			sent.Add(1)
			time.Sleep(250 * time.Millisecond)
		}
	}()
	pollUntil(t, "presses logged", 60*time.Second, func() bool { return countEvent("receiver") >= 8 })
	seenBeforeKill := relayed.Load()

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	err = cmd.Wait()
	killed = true
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("serve did not die of SIGKILL: %v; stderr:\n%s", err, serveErr())
	}
	select {
	case <-pressDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the remote did not notice serve was gone")
	}

	events, partial := readSessionLog(t, logPath)
	if partial != "" {
		t.Logf("a partial last line was left by the kill (ignored): %q", partial)
	}
	if len(events) == 0 || events[0].Event != "start" {
		t.Fatalf("the log does not begin with start: %+v", events)
	}
	count := map[string]int{}
	for _, e := range events {
		count[e.Event]++
	}
	if count["summary"] != 0 {
		t.Errorf("a summary after kill -9? %v", count)
	}
	if count["coaching"] != 1 {
		t.Errorf("coaching events: %d, want 1", count["coaching"])
	}
	if int64(count["receiver"]) < seenBeforeKill {
		t.Errorf("the overlay saw %d presses relayed before the kill but the log has %d: logged events were lost",
			seenBeforeKill, count["receiver"])
	}
	if int64(count["receiver"]) > sent.Load() {
		t.Errorf("the log has %d presses but only %d were sent", count["receiver"], sent.Load())
	}
	// The log stays readable by the sessions command.
	var out, errb bytes.Buffer
	if code := Main([]string{"sessions", "--data", data}, &out, &errb); code != 0 {
		t.Logf("note: `backcoach sessions` on the killed session's log: exit %d: %s", code, errb.String())
	}
	t.Logf("after kill -9: %d complete events (%v), %d presses sent, %d relayed to the overlay before the kill, partial last line: %v",
		len(events), count, sent.Load(), seenBeforeKill, partial != "")
}

// TestReplayReportSurvivesKill9 writes a good report with `backcoach
// replay`, then kills further replays writing the same path with SIGKILL:
// midway through the video, near its end, and the instant the temporary
// report file appears (inside the write). The report is always a complete
// report — the good one, or a complete new one if the kill came after the
// rename — and whatever a kill leaves behind is a hidden .NAME.*.tmp file.
func TestReplayReportSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and replays a video several times")
	}
	bin := buildBackcoach(t)
	video, err := filepath.Abs(filepath.Join("..", "..", "testdata", "wrong_direction.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(video); err != nil {
		t.Skipf("no test video: %v", err)
	}
	dir := t.TempDir()
	report := filepath.Join(dir, "r.json")
	replay := func() *exec.Cmd {
		return exec.Command(bin, "replay", video, "--report", report, "--progress=false", "--log-level", "warn")
	}
	t0 := time.Now()
	first := replay()
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Run(); err != nil {
		t.Fatalf("the first replay: %v: %s", err, firstErr.String())
	}
	took := time.Since(t0)
	good, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	checkReport := func(when string) {
		t.Helper()
		b, err := os.ReadFile(report)
		if err != nil {
			t.Fatalf("%s: the report is gone: %v", when, err)
		}
		var rep models.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatalf("%s: the report is not valid JSON (%d bytes): %v", when, len(b), err)
		}
		if rep.Source.Frames == 0 || len(rep.Frames) != rep.Source.Frames {
			t.Fatalf("%s: the report is incomplete: %d of %d frames", when, len(rep.Frames), rep.Source.Frames)
		}
		if !bytes.Equal(b, good) {
			t.Logf("%s: the report is a complete new one (the kill came after the rename)", when)
		}
	}
	checkReport("after the first replay")
	tmpName := regexp.MustCompile(`^\.r\.json\.[0-9]+\.tmp$`)
	leftovers := func(when string) []string {
		t.Helper()
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var tmp []string
		for _, e := range ents {
			if e.Name() == "r.json" {
				continue
			}
			if !tmpName.MatchString(e.Name()) {
				t.Errorf("%s: unexpected file %q beside the report", when, e.Name())
				continue
			}
			tmp = append(tmp, e.Name())
		}
		return tmp
	}
	kill := func(c *exec.Cmd) {
		t.Helper()
		_ = c.Process.Signal(syscall.SIGKILL)
		_ = c.Wait()
	}

	// Killed after a fraction of the time a full replay took.
	for _, frac := range []float64{0.5, 0.9} {
		c := replay()
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(frac * float64(took)))
		kill(c)
		when := fmt.Sprintf("killed at %.0f %% of a replay", frac*100)
		checkReport(when)
		if tmp := leftovers(when); len(tmp) > 0 {
			t.Logf("%s: left %v (hidden temporary files; the report was not touched)", when, tmp)
		}
	}

	// Killed the moment the temporary report appears: inside the write.
	c := replay()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		_, _ = c.Process.Wait()
	}()
	caught := false
	deadline := time.Now().Add(took*4 + time.Minute)
watch:
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			break watch
		default:
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if tmpName.MatchString(e.Name()) {
				_ = c.Process.Signal(syscall.SIGKILL)
				caught = true
				break watch
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	if !caught {
		_ = c.Process.Signal(syscall.SIGKILL)
	}
	<-exited
	checkReport("killed during the write")
	tmp := leftovers("killed during the write")
	t.Logf("kill during the write: caught the temporary file: %v; left behind: %v", caught, tmp)
	for _, name := range tmp {
		if !strings.HasPrefix(name, ".") {
			t.Errorf("a leftover %q is not hidden", name)
		}
	}
}
