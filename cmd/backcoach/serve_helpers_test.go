package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"github.com/backcoach/backcoach/web"
	"github.com/rs/zerolog"
)

// serveVideo finds a testdata video whose truth expects at least one
// coaching code besides good_stroke (too_fast first), or renders one with
// `backcoach synth` into a cache folder when testdata has none yet.
func serveVideo(tb testing.TB) (string, models.Truth) {
	tb.Helper()
	var cands []string
	for _, pat := range []string{"too_fast*.mp4", "*.mp4"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", pat))
		sort.Strings(m)
		cands = append(cands, m...)
	}
	for _, v := range cands {
		tr, err := readTruth(v)
		if err != nil {
			continue
		}
		for _, seg := range tr.Segments {
			for _, c := range seg.Expect {
				if c != models.CodeGoodStroke {
					return v, tr
				}
			}
		}
	}
	dir := filepath.Join(os.TempDir(), "backcoach-serve-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	v := filepath.Join(dir, "too_fast_2.mp4")
	if tr, err := readTruth(v); err == nil {
		if _, err := os.Stat(v); err == nil {
			return v, tr
		}
	}
	tb.Logf("no testdata video yet: rendering %s with backcoach synth", v)
	var out, errb bytes.Buffer
	if code := Main([]string{"synth", "--scenario", "too_fast", "--seed", "2", "--out", v}, &out, &errb); code != 0 {
		tb.Skipf("cannot render a test video (synth exit %d): %s", code, errb.String())
	}
	tr, err := readTruth(v)
	if err != nil {
		tb.Fatal(err)
	}
	return v, tr
}

func readTruth(video string) (models.Truth, error) {
	var tr models.Truth
	b, err := os.ReadFile(video[:len(video)-len(filepath.Ext(video))] + ".truth.json")
	if err != nil {
		return tr, err
	}
	err = json.Unmarshal(b, &tr)
	return tr, err
}

// runningServe is an in-process `backcoach serve`.
type runningServe struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	data   string
	once   sync.Once
}

// startServe runs Serve on a video in the background and waits for its URL.
func startServe(tb testing.TB, video string, autoStart bool, onSent func(time.Time)) *runningServe {
	tb.Helper()
	return startServeWith(tb, video, autoStart, onSent, nil)
}

// startServeWith is startServe with a last say on the configuration.
func startServeWith(tb testing.TB, video string, autoStart bool, onSent func(time.Time), tweak func(*ServeConfig)) *runningServe {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rs := &runningServe{cancel: cancel, done: make(chan error, 1), data: tb.TempDir()}
	ready := make(chan string, 1)
	cfg := ServeConfig{
		Spec:      vision.SourceSpec{File: video},
		Routine:   coach.DefaultRoutine(),
		Web:       web.Config{Listen: "127.0.0.1:0", Hub: web.HubOptions{OnSent: onSent}},
		DataDir:   rs.data,
		AutoStart: autoStart,
		OnReady:   func(u string) { ready <- u },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	log := zerolog.Nop()
	if testing.Verbose() {
		log = zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: "15:04:05.000"}).With().Timestamp().Logger().Level(zerolog.InfoLevel)
	}
	go func() { rs.done <- Serve(ctx, cfg, log) }()
	select {
	case rs.url = <-ready:
	case err := <-rs.done:
		tb.Fatalf("serve ended at once: %v", err)
	case <-time.After(20 * time.Second):
		tb.Fatal("serve did not start")
	}
	tb.Cleanup(func() { rs.stop(tb) })
	return rs
}

func (rs *runningServe) stop(tb testing.TB) {
	rs.once.Do(func() { rs.doStop(tb) })
}

func (rs *runningServe) doStop(tb testing.TB) {
	rs.cancel()
	select {
	case err := <-rs.done:
		if err != nil {
			tb.Errorf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		tb.Error("serve did not stop within 15 s")
	}
}
