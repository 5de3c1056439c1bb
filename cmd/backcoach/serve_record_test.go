package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/backcoach/backcoach/vision"
)

// TestRecord records a stream source (a file stands in for the camera) and
// checks the video is complete and nothing partial is left behind.
func TestRecord(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "idle.mp4")
	if _, err := os.Stat(src); err != nil {
		t.Skip("no testdata/idle.mp4 yet")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "session.mp4")
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"record", "--source", src, "--out", out, "--duration", "1", "--log-level", "warn"}, &stdout, &stderr); code != 0 {
		t.Fatalf("record: exit %d: %s", code, stderr.String())
	}
	v, err := vision.Open(vision.SourceSpec{File: out})
	if err != nil {
		t.Fatalf("the recording does not open: %v", err)
	}
	defer v.Close()
	if w, h := v.Size(); w == 0 || h == 0 || v.FrameCount() < 10 {
		t.Fatalf("recording %dx%d with %d frames", w, h, v.FrameCount())
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) > 0 {
		t.Errorf("partial files left behind: %v", left)
	}
}
