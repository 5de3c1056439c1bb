package web_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/web"
)

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d is not JSON: %q", len(out)+1, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestSessionLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	l, err := web.OpenSessionLog(dir, "s1")
	if err != nil {
		t.Fatal(err)
	}
	hand := 1
	_ = l.Write(web.EventStart, 0, map[string]any{"source": "x.mp4"})
	_ = l.Write(web.EventFeedback, 3.4567, models.Feedback{T: 3.4567, Code: models.CodeTooFast, Message: "m", Hand: &hand})
	// Readable before Close: every event is on disk as soon as it is written.
	lines := readLines(t, l.Path())
	if len(lines) != 2 || lines[1]["event"] != "feedback" || lines[1]["t"] != 3.457 {
		t.Fatalf("lines %v", lines)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Write(web.EventSummary, 5, nil); err == nil {
		t.Error("write after close succeeded")
	}
	st, err := os.Stat(l.Path())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	if _, err := web.OpenSessionLog(dir, "s1"); err == nil {
		t.Error("a second log with the same session id replaced the first")
	}
}

// TestSessionLogSurvivesKill kills a child process that writes events as
// fast as it can: every line of its log is valid JSON.
func TestSessionLogSurvivesKill(t *testing.T) {
	if dir := os.Getenv("BACKCOACH_LOG_CHILD"); dir != "" {
		l, err := web.OpenSessionLog(dir, "child")
		if err != nil {
			os.Exit(3)
		}
		fmt.Println(l.Path())
		for i := 0; ; i++ {
			_ = l.Write(web.EventFeedback, float64(i), models.Feedback{T: float64(i), Code: models.CodeTooFast,
				Message: strings.Repeat("slow down ", 10)})
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSessionLogSurvivesKill$")
	cmd.Env = append(os.Environ(), "BACKCOACH_LOG_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	path, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	_ = cmd.Process.Kill() // SIGKILL
	_ = cmd.Wait()
	lines := readLines(t, strings.TrimSpace(path))
	if len(lines) < 10 {
		t.Fatalf("only %d lines before the kill", len(lines))
	}
	for i, m := range lines {
		if m["t"].(float64) != float64(i) {
			t.Fatalf("line %d has t=%v: an event was lost in the middle", i, m["t"])
		}
	}
	t.Logf("%d complete events before kill -9", len(lines))
}
