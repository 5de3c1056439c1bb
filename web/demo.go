package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

//go:generate cp ../testdata/correct.mp4 demo/demo.mp4

//go:embed demo
var demoFS embed.FS

// DemoVideo returns the bundled demo recording (nil if this build has none).
func DemoVideo() []byte {
	b, err := demoFS.ReadFile("demo/demo.mp4")
	if err != nil {
		return nil
	}
	return b
}

// ExtractDemo writes the bundled demo recording into dir (once: a copy with
// the same content is reused) and returns its path. Video decoders read
// files, hence the copy; it holds no camera frames.
func ExtractDemo(dir string) (string, error) {
	b := DemoVideo()
	if b == nil {
		return "", fmt.Errorf("this build has no demo recording")
	}
	sum := sha256.Sum256(b)
	path := filepath.Join(dir, "demo-"+hex.EncodeToString(sum[:6])+".mp4")
	if st, err := os.Stat(path); err == nil && st.Size() == int64(len(b)) {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("extract the demo recording: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".demo-*.mp4")
	if err != nil {
		return "", fmt.Errorf("extract the demo recording: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return "", fmt.Errorf("extract the demo recording: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("extract the demo recording: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("extract the demo recording: %w", err)
	}
	return path, nil
}
