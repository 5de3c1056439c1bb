package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
)

const demoVideo = "../../testdata/correct.mp4"

func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.mp4")
	os.WriteFile(text, []byte("this is not a video\n"), 0o644)
	trunc := filepath.Join(dir, "truncated.mp4")
	data, err := os.ReadFile(demoVideo)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(trunc, data[:len(data)/3], 0o644)
	table := filepath.Join(dir, "table.mp4")
	writePlainVideo(t, table, 45)
	empty := filepath.Join(dir, "empty.mp4")
	os.WriteFile(empty, nil, 0o644)

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing file", []string{"replay", filepath.Join(dir, "nope.mp4")}, 2, "no such file"},
		{"text file named .mp4", []string{"replay", text}, 2, "not a video"},
		{"empty file", []string{"replay", empty}, 2, "not a video"},
		{"truncated video", []string{"replay", trunc}, 2, ""},
		{"no back in view", []string{"replay", table}, 2, "no back in view"},
		{"unknown flag", []string{"replay", demoVideo, "--frobnicate"}, 2, "frobnicate"},
		{"no video", []string{"replay"}, 2, "which video"},
		{"bad head", []string{"replay", demoVideo, "--head", "up"}, 2, "--head"},
		{"half spine", []string{"replay", demoVideo, "--spine", "1,2,3"}, 2, "--spine"},
		{"spine without width", []string{"replay", demoVideo, "--spine", "1,2,3,4"}, 2, "--half-width"},
		{"unknown command", []string{"replya"}, 2, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			report := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			good := []byte(`{"good": true}`)
			os.WriteFile(report, good, 0o644)
			args := append([]string{}, tc.args...)
			if args[0] == "replay" && len(args) > 1 {
				args = append(args, "--report", report)
			}
			code, _, stderr := runBC(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if len(lines) != 1 {
				t.Errorf("want one line on stderr, got %d:\n%s", len(lines), stderr)
			}
			if !strings.HasPrefix(last, "backcoach") || !strings.Contains(strings.ToLower(last), strings.ToLower(tc.want)) {
				t.Errorf("last stderr line %q does not say %q", last, tc.want)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on stderr:\n%s", stderr)
			}
			if got, _ := os.ReadFile(report); !bytes.Equal(got, good) {
				t.Errorf("the existing report was replaced: %q", got)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(m) > 0 {
				t.Errorf("temporary files left: %v", m)
			}
		})
	}
}

func TestReplayWritesReport(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "r.json")
	code, _, stderr := runBC(t, "replay", demoVideo, "--report", report, "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep models.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Source.Frames == 0 || len(rep.Frames) != rep.Source.Frames {
		t.Errorf("frames: source says %d, report has %d", rep.Source.Frames, len(rep.Frames))
	}
	for i, f := range rep.Frames {
		if f.I != i {
			t.Fatalf("frame %d has i=%d", i, f.I)
		}
	}
	if !rep.Back.Valid() || rep.Routine == "" || rep.Summary.Codes == nil {
		t.Errorf("report incomplete: back %+v routine %q", rep.Back, rep.Routine)
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(data, &raw)
	for _, k := range []string{"source", "routine", "back", "frames", "strokes", "feedback", "summary"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("report has no %q", k)
		}
	}
	// JSON logs are one object per line.
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if l != "" && !json.Valid([]byte(l)) {
			t.Errorf("log line is not JSON: %q", l)
		}
	}
	// --report - writes to stdout.
	code, out, _ := runBC(t, "replay", demoVideo, "--report", "-")
	if code != 0 || !json.Valid([]byte(out)) {
		t.Errorf("--report -: exit %d, valid JSON %v", code, json.Valid([]byte(out)))
	}
}
