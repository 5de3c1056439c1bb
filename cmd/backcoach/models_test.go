package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/vision"
	"github.com/rs/zerolog"
)

const sharedModels = "../../../shared/models"

func TestModelsInstallStatus(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedModels, "hand_landmark.onnx")); err != nil {
		t.Skipf("no published models: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "m")
	code, out, errs := runBC(t, "models", "status", "--dir", dir)
	if code != 1 || !strings.Contains(out, "missing") || !strings.Contains(out, "backcoach models install") {
		t.Errorf("status before install: %d\n%s%s", code, out, errs)
	}
	code, out, errs = runBC(t, "models", "install", "--from", sharedModels, "--dir", dir)
	if code != 0 || !strings.Contains(out, "installed") {
		t.Fatalf("install: %d\n%s%s", code, out, errs)
	}
	code, out, errs = runBC(t, "models", "status", "--dir", dir)
	if code != 0 || strings.Count(out, "verified") != 2 || !strings.Contains(out, "ready") {
		t.Errorf("status after install: %d\n%s%s", code, out, errs)
	}
	// The default folder follows XDG_DATA_HOME.
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	code, out, errs = runBC(t, "models", "install", "--from", sharedModels)
	if code != 0 || !strings.Contains(out, filepath.Join(os.Getenv("XDG_DATA_HOME"), "backcoach", "models")) {
		t.Errorf("install to the default folder: %d\n%s%s", code, out, errs)
	}
}

func TestModelsBadArgs(t *testing.T) {
	empty := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"models"}, 2, "install or status"},
		{[]string{"models", "fetch"}, 2, "unknown action"},
		{[]string{"models", "install", "--from", filepath.Join(empty, "nope")}, 2, "not a folder"},
		{[]string{"models", "install", "--from", empty, "--dir", t.TempDir()}, 2, "palm_detection_barracuda.onnx"},
		{[]string{"models", "install", "--bogus"}, 2, "bogus"},
		{[]string{"models", "status", "extra"}, 2, "unexpected"},
	} {
		code, _, errs := runBC(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}

func TestModelsInstallCorrupt(t *testing.T) {
	if _, err := os.Stat(filepath.Join(sharedModels, "hand_landmark.onnx")); err != nil {
		t.Skipf("no published models: %v", err)
	}
	from := t.TempDir()
	for _, n := range []string{"palm_detection_barracuda.onnx", "hand_landmark.onnx"} {
		b, err := os.ReadFile(filepath.Join(sharedModels, n))
		if err != nil {
			t.Fatal(err)
		}
		if n == "palm_detection_barracuda.onnx" {
			b = b[:len(b)-100]
		}
		os.WriteFile(filepath.Join(from, n), b, 0o644)
	}
	dir := filepath.Join(t.TempDir(), "m")
	code, _, errs := runBC(t, "models", "install", "--from", from, "--dir", dir)
	if code != 2 || !strings.Contains(errs, "sha256") || !strings.Contains(errs, "palm_detection_barracuda.onnx") {
		t.Errorf("corrupt install: exit %d, %q", code, errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestLogTrackerChoice(t *testing.T) {
	var buf bytes.Buffer
	app := &App{Log: zerolog.New(&buf)}
	logTrackerChoice(app.Log, vision.Options{}, "classic")
	if !strings.Contains(buf.String(), "backcoach models install") {
		t.Errorf("classic by default: %s", buf.String())
	}
	buf.Reset()
	logTrackerChoice(app.Log, vision.Options{Tracker: "classic"}, "classic")
	logTrackerChoice(app.Log, vision.Options{}, "hybrid")
	if strings.Contains(buf.String(), "install") || strings.Count(buf.String(), "hand tracker") != 2 {
		t.Errorf("asked-for classic, or hybrid: %s", buf.String())
	}
}
