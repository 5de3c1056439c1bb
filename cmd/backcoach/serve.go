package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"github.com/backcoach/backcoach/web"
	"github.com/backcoach/backcoach/web/report"
	"github.com/rs/zerolog"
	"gocv.io/x/gocv"
)

func init() {
	register("serve", "coach live: camera to the browser overlay, with the phone remote", runServe)
}

// ServeConfig is everything `backcoach serve` needs, after the flags.
type ServeConfig struct {
	// Spec is the video source. Demo marks the bundled demo recording.
	Spec vision.SourceSpec
	Demo bool
	// Loop plays a file source again from the start when it ends.
	Loop bool
	// Vision options (head, fixed back, tracker).
	Vision vision.Options
	// Routine is the routine to coach.
	Routine *coach.Routine
	// Web is the HTTP server's configuration (listen address, token).
	Web web.Config
	// DataDir is where session logs and their report pages go.
	DataDir string
	// JPEGQuality of the video sent to the page (default 70).
	JPEGQuality int
	// AutoStart skips waiting for the checklist (tests).
	AutoStart bool
	// OnReady, if set, is called with the overlay's URL once serving.
	OnReady func(url string)
	// OnReport, if set, is called with the path of each session's report
	// page once it is written (on the processing loop: it must be quick).
	OnReport func(path string)
}

func runServe(ctx context.Context, app *App, args []string) error {
	fs := app.flags("serve", "[--camera N | --source URL|PIPELINE | --video FILE [--loop]] [flags]")
	var vf visionFlags
	vf.define(fs)
	camera := fs.Int("camera", -1, "camera number (0 is the first camera)")
	source := fs.String("source", "", "a stream URL (e.g. a phone's http://…/video or rtsp://…) or a GStreamer pipeline")
	video := fs.String("video", "", "play a recorded video at its real pace, as if live")
	loop := fs.Bool("loop", false, "with --video: play it again from the start when it ends")
	listen := fs.String("listen", web.DefaultListen, "address to serve the pages on; use 0.0.0.0:8080 with --token to let a phone on your Wi-Fi open the remote")
	token := fs.String("token", "", "access code every page and phone must carry (required unless --listen is this computer only)")
	data := fs.String("data", "", "folder for session logs (default $XDG_DATA_HOME/backcoach or ~/.local/share/backcoach)")
	if err := app.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badArgs("unexpected argument %q (a video goes with --video FILE)", fs.Arg(0))
	}
	n := 0
	for _, set := range []bool{*camera >= 0, *source != "", *video != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return badArgs("choose one of --camera, --source and --video")
	}
	if *loop && *video == "" {
		return badArgs("--loop goes with --video FILE")
	}
	opts, routine, err := vf.resolve()
	if err != nil {
		return err
	}
	cfg := ServeConfig{Vision: opts, Routine: routine, Loop: *loop,
		Web: web.Config{Listen: *listen, Token: *token}, DataDir: *data}
	switch {
	case *camera >= 0:
		cfg.Spec = vision.SourceSpec{Camera: *camera, UseCam: true}
	case *source != "":
		cfg.Spec = vision.ParseCameraOrSource(*source)
	case *video != "":
		if _, err := os.Stat(*video); err != nil {
			return badInput(fmt.Errorf("--video %s: %w", *video, err))
		}
		cfg.Spec = vision.SourceSpec{File: *video}
	default:
		// No source given: the first camera, or the demo recording.
		if cameraPresent(0) {
			cfg.Spec = vision.SourceSpec{Camera: 0, UseCam: true}
		} else {
			demo, err := findDemo()
			if err != nil {
				return err
			}
			app.Log.Warn().Str("video", demo).Msg("no camera found: playing the demo recording (use --camera N or --source to pick a camera)")
			cfg.Spec, cfg.Demo, cfg.Loop = vision.SourceSpec{File: demo}, true, true
		}
	}
	if cfg.DataDir == "" {
		if cfg.DataDir, err = web.DefaultDataDir(); err != nil {
			return err
		}
	}
	cfg.OnReady = func(url string) {
		fmt.Fprintf(app.Stdout, "backcoach is running. Open this address in your browser:\n\n    %s\n\n", url)
		if cfg.Web.Token == "" {
			fmt.Fprintln(app.Stdout, "The phone remote works on this computer only; to use a phone on your Wi-Fi, restart with --listen 0.0.0.0:8080 --token SOMESECRET.")
		}
		fmt.Fprintln(app.Stdout, "Press Finish session on the page (or Ctrl-C here) to end the session and get its report.")
	}
	cfg.OnReport = func(path string) {
		fmt.Fprintf(app.Stdout, "The session's report (it includes one picture of the back and stays on this computer):\n\n    %s\n\n", path)
	}
	return Serve(ctx, cfg, app.Log)
}

// cameraPresent reports whether camera n exists and opens (on Linux its
// device node is looked for first, which is quick).
func cameraPresent(n int) bool {
	if runtime.GOOS == "linux" {
		if _, err := os.Stat(fmt.Sprintf("/dev/video%d", n)); err != nil {
			return false
		}
	}
	src, err := vision.Open(vision.SourceSpec{Camera: n, UseCam: true})
	if err != nil {
		return false
	}
	src.Close()
	return true
}

// findDemo locates the demo recording: $BACKCOACH_DEMO, then
// testdata/correct*.mp4 beside the executable or in the working folder (or a
// folder above it), then the copy embedded in the binary (extracted once to
// the user's cache folder).
func findDemo() (string, error) {
	if p := os.Getenv("BACKCOACH_DEMO"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		d := filepath.Dir(exe)
		dirs = append(dirs, filepath.Join(d, "testdata"), filepath.Join(d, "..", "testdata"),
			filepath.Join(d, "..", "..", "testdata"))
	}
	if wd, err := os.Getwd(); err == nil {
		for i := 0; i < 5; i++ {
			dirs = append(dirs, filepath.Join(wd, "testdata"))
			wd = filepath.Dir(wd)
		}
	}
	for _, d := range dirs {
		m, _ := filepath.Glob(filepath.Join(d, "correct*.mp4"))
		if len(m) > 0 {
			sort.Strings(m)
			return m[0], nil
		}
	}
	if web.DemoVideo() != nil {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		return web.ExtractDemo(filepath.Join(cache, "backcoach"))
	}
	return "", errors.New("no camera found, and this copy of backcoach has no demo recording: plug in a camera, or play a video with --video FILE")
}

// Serve runs live sessions until ctx ends: capture, vision, coach, the web
// server and the session log. The page's "Finish session" ends a session
// (summary and report page) and "Start a new session" begins the next one.
// It writes the summary, and the report of a coached session, before
// returning.
func Serve(ctx context.Context, cfg ServeConfig, log zerolog.Logger) error {
	if cfg.Routine == nil {
		cfg.Routine = coach.DefaultRoutine()
	}
	if cfg.JPEGQuality <= 0 {
		cfg.JPEGQuality = 70
	}
	id, err := newSessionID()
	if err != nil {
		return err
	}
	s := &session{cfg: cfg, log: log, id: id, start: time.Now(),
		in: make(chan inMsg, 64), camera: models.CameraOK}
	s.coaching = cfg.AutoStart
	wcfg := cfg.Web
	wcfg.OnMessage = func(kind web.Kind, m models.ClientMsg) {
		in := inMsg{m: m}
		if m.Type == models.MsgReceiver {
			in.t = s.press(m.Action)
		}
		select {
		case s.in <- in:
		default:
			log.Warn().Str("type", string(m.Type)).Msg("dropped a browser message: the coach is busy")
		}
	}
	wcfg.DataDir = cfg.DataDir // report pages are served from it
	wcfg.Stats = func() map[string]any {
		s.pressMu.Lock()
		id := s.id
		s.pressMu.Unlock()
		return map[string]any{"frames_captured_skipped": s.capStats.skipped.Load(),
			"source_openings": s.capStats.gen.Load(), "session": id}
	}
	wcfg.Stats = withProcessStats(wcfg.Stats) // + rss_kb, open Mats (scripts/soak)
	srv, err := web.NewServer(wcfg, log.With().Str("part", "web").Logger())
	if err != nil {
		return badArgs("%v", err)
	}
	s.srv, s.hub = srv, srv.Hub()
	proc, err := vision.NewProcessor(cfg.Vision)
	if err != nil {
		return badArgs("%v", err)
	}
	s.proc = proc
	defer proc.Close()

	s.slog, err = web.OpenSessionLog(cfg.DataDir, id)
	if err != nil {
		return err
	}
	defer func() { s.slog.Close() }() // the log of the last session
	if err := srv.Listen(); err != nil {
		return err
	}

	srvCtx, stopServer := context.WithCancel(context.Background())
	defer stopServer()
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(srvCtx) }()

	s.logStart()
	s.publishHello()
	s.publishStatus("")
	log.Info().Str("session", id).Str("source", cfg.Spec.String()).Bool("demo", cfg.Demo).
		Str("log", s.slog.Path()).Msg("session started")
	if cfg.OnReady != nil {
		cfg.OnReady(srv.URL())
	}

	frames := make(chan capFrame, 1)
	restart := make(chan struct{}, 1)
	events := make(chan string, 8)
	var (
		capDones    []chan struct{}
		stopCapture context.CancelFunc
	)
	startCapture := func() {
		var capCtx context.Context
		capCtx, stopCapture = context.WithCancel(ctx)
		done := make(chan struct{})
		capDones = append(capDones, done)
		go func() {
			defer close(done)
			capture(capCtx, cfg.Spec, cfg.Loop, frames, restart, events, &s.capStats, log.With().Str("part", "capture").Logger())
		}()
	}
	startCapture()
	s.restart = restart
	// A read stuck in a driver cannot be interrupted: leave that capture
	// behind (it ends when the read returns) and start a new one.
	s.restartCapture = func() {
		stopCapture()
		startCapture()
	}

	s.loop(ctx, frames, events)
	s.dropHeld()

	stopCapture()
	wait := time.NewTimer(3 * time.Second)
	defer wait.Stop()
waitCaptures:
	for _, d := range capDones {
		select {
		case <-d:
		case <-wait.C:
			log.Warn().Msg("a camera read is stuck; finishing without waiting for it")
			break waitCaptures
		}
	}
	// Frames the capture left behind are ours to close.
	select {
	case f := <-frames:
		f.mat.Close()
	default:
	}
	s.finish()
	// Let the browsers get the summary, then stop serving.
	time.Sleep(300 * time.Millisecond)
	stopServer()
	if err := <-srvDone; err != nil {
		return err
	}
	st := s.hub.Stats()
	log.Info().Int("frames", s.nframes).Int64("skipped_by_processing", s.capStats.skipped.Load()).
		Int64("sent", st.Sent).Int64("dropped_frames", st.DroppedFrames).
		Int64("slow_clients_cut", st.Disconnected).Str("log", s.slog.Path()).Str("report", s.reportFile).Msg("session finished")
	return nil
}

func newSessionID() (string, error) {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make session id: %w", err)
	}
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b), nil
}

// captureStats is what the capture goroutine tells the processing loop
// without a message: when it last got a frame, and how many frames it
// replaced before the loop took them.
type captureStats struct {
	last    atomic.Int64 // unix nanoseconds of the last captured frame
	skipped atomic.Int64
	gen     atomic.Int64 // how many times the source was opened
}

// capFrame is one captured frame; whoever takes it from the channel owns mat.
type capFrame struct {
	mat gocv.Mat
	at  time.Time // capture time
	gen int64     // which opening of the source it came from
	vt  float64   // a recording's own clock (seconds, never going back)
}

// capture reads frames into the one-slot channel out, newest first: a frame
// the processing loop has not taken yet is replaced (and closed here, as it
// never reached the loop). Files are played at their real pace. Live sources
// are reopened with backoff when they fail.
func capture(ctx context.Context, spec vision.SourceSpec, loop bool, out chan capFrame,
	restart <-chan struct{}, events chan<- string, stats *captureStats, log zerolog.Logger) {
	event := func(e string) {
		select {
		case events <- e:
		default:
		}
	}
	backoff := 500 * time.Millisecond
	vnext := 0.0 // a recording's clock, carried over loops and restarts
	sleep := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	for ctx.Err() == nil {
		gen := stats.gen.Add(1)
		src, err := vision.Open(spec)
		if err != nil {
			log.Warn().Err(err).Dur("retry_in", backoff).Msg("cannot open the video source")
			event(models.CameraLost)
			if !sleep(backoff) {
				return
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 500 * time.Millisecond
		fps := src.FPS()
		t0 := time.Now()
		k := 0
		misses := 0
		ended, restarted := false, false
		for ctx.Err() == nil {
			if !spec.Live() {
				due := t0.Add(time.Duration(float64(k) / fps * float64(time.Second)))
				if d := time.Until(due); d > 0 {
					t := time.NewTimer(d)
					select {
					case <-ctx.Done():
						t.Stop()
					case <-restart:
						t.Stop()
						restarted = true
					case <-t.C:
					}
					if restarted || ctx.Err() != nil {
						break
					}
				} else if d < -time.Second {
					t0 = time.Now().Add(-time.Duration(float64(k) / fps * float64(time.Second))) // fell behind: don't rush
				}
			}
			m := gocv.NewMat()
			err := src.Read(&m)
			if err != nil {
				m.Close()
				if errors.Is(err, io.EOF) {
					ended = true
					break
				}
				misses++
				if misses >= 10 {
					log.Warn().Err(err).Msg("the camera stopped giving pictures; reconnecting")
					event(models.CameraLost)
					break
				}
				continue
			}
			misses = 0
			k++
			if ctx.Err() != nil { // this capture was left behind or stopped
				m.Close()
				break
			}
			f := capFrame{mat: m, at: time.Now(), gen: gen, vt: vnext}
			vnext += 1 / fps
			stats.last.Store(f.at.UnixNano())
			if !spec.Live() {
				// A recording loses no frame: when the machine is slow it
				// plays slower, and the coach sees it as a replay would.
				select {
				case out <- f:
				case <-ctx.Done():
					f.mat.Close()
				case <-restart:
					f.mat.Close()
					restarted = true
				}
				if restarted {
					break
				}
				continue
			}
			select {
			case out <- f:
			default:
				select {
				case old := <-out:
					old.mat.Close()
					stats.skipped.Add(1)
				default:
				}
				select {
				case out <- f:
				default: // another capture filled the slot meanwhile
					f.mat.Close()
					stats.skipped.Add(1)
				}
			}
		}
		src.Close()
		switch {
		case ctx.Err() != nil:
			return
		case restarted:
			continue
		case ended && loop:
			continue
		case ended:
			// Let the loop take the last frame first, so that "ended" comes after it.
			for i := 0; i < 100 && len(out) > 0 && ctx.Err() == nil; i++ {
				time.Sleep(10 * time.Millisecond)
			}
			event(models.CameraEnd)
			select { // wait for a restart (the checklist's start) or the end
			case <-ctx.Done():
				return
			case <-restart:
				continue
			}
		default:
			if !sleep(backoff) {
				return
			}
			backoff = min(backoff*2, 5*time.Second)
		}
	}
}

// inMsg is a browser message for the processing loop; t is when a
// receiver press arrived (session seconds).
type inMsg struct {
	m models.ClientMsg
	t float64
}

// press takes a receiver press as it arrives, on the web goroutine: the
// pages hear of it and the session log has it at once, even while the
// processing loop is busy (calibrating). The coach gets it from the loop.
func (s *session) press(action string) float64 {
	s.pressMu.Lock()
	defer s.pressMu.Unlock()
	t := time.Since(s.start).Seconds()
	if !s.cfg.Spec.Live() {
		t = math.Float64frombits(s.pressT.Load()) // the recording's clock
	}
	switch action {
	case models.ActionStop:
		s.stopped.Store(true)
	case models.ActionResume:
		s.stopped.Store(false)
	}
	stopped := s.stopped.Load()
	s.log.Info().Str("action", action).Msg("receiver pressed")
	s.logEvent(web.EventReceiver, map[string]any{"action": action, "stopped": stopped})
	if err := s.hub.Publish(models.ReceiverMsg{Type: models.MsgReceiver, Action: action, T: round3(t), Stopped: stopped}); err != nil {
		s.log.Error().Err(err).Msg("publish receiver")
	}
	return t
}

// session is the state of the live session. Only the processing loop
// touches it, except id, start and slog, which press reads on web
// goroutines: the loop changes them (newSession) under pressMu.
type session struct {
	cfg   ServeConfig
	log   zerolog.Logger
	id    string
	start time.Time
	srv   *web.Server
	hub   *web.Hub
	slog  *web.SessionLog
	proc  *vision.Processor
	coach *coach.Coach

	in             chan inMsg
	restart        chan struct{}
	restartCapture func()
	minGen         int64           // frames of older source openings are ignored
	sentEarly      map[string]bool // receiver feedback already sent, before the coach's update repeats it
	capRestarted   time.Time
	capStats       captureStats

	width, height int
	calibrated    bool
	coaching      bool
	stopped       atomic.Bool   // the receiver pressed stop (set by press)
	pressMu       sync.Mutex    // orders receiver presses
	pressT        atomic.Uint64 // float64 bits of the latest frame time (a recording's clock for presses)
	finished      bool
	camera        string
	zones         []models.Zone
	held          []heldFrame    // frames kept for calibration
	thumb         []byte         // a tiny grey copy of the last frame, to tell if the view moved
	earlier       []*coach.Coach // coaches of the session before a recalibration
	nframes       int
	lastT         float64
	noBackWarned  time.Time

	// For the report page of the session (issue 6): the palm centres seen
	// while coaching, and one JPEG of the back, without hands if one was
	// seen. The still stays in memory and goes only into that report.
	paths      []models.ReportFrame
	still      []byte
	stillClean bool
	reportFile string // the last report page written ("" if none)
}

// maxReportFrames bounds the hand positions kept for the report (two hours
// at 30 frames a second); later frames are left out of its paths.
const maxReportFrames = 2 * 60 * 60 * 30

// logStart writes the session log's first event.
func (s *session) logStart() {
	s.logEvent(web.EventStart, map[string]any{"source": s.cfg.Spec.String(), "demo": s.cfg.Demo,
		"routine": s.cfg.Routine.Name, "url": s.srv.URL()})
}

// now is the session time in seconds (for a recording: its own clock).
func (s *session) now() float64 {
	t := time.Since(s.start).Seconds()
	if !s.cfg.Spec.Live() || t <= s.lastT {
		t = s.lastT + 1e-3
	}
	return t
}

func (s *session) logEvent(event string, data any) {
	if err := s.slog.Write(event, time.Since(s.start).Seconds(), data); err != nil {
		s.log.Error().Err(err).Msg("session log")
	}
}

// loop is the processing loop: it owns every frame it takes and the coach.
func (s *session) loop(ctx context.Context, frames chan capFrame, events <-chan string) {
	watchdog := time.NewTicker(500 * time.Millisecond)
	defer watchdog.Stop()
	s.capStats.last.Store(time.Now().UnixNano())
	for {
		select {
		case <-ctx.Done():
			return
		case f := <-frames:
			s.frame(f)
			f.mat.Close()
		case m := <-s.in:
			s.message(m)
		case e := <-events:
			s.cameraEvent(e)
		case <-watchdog.C:
			// The capture's own clock: a slow frame here (calibration) is not a lost camera.
			last := time.Unix(0, s.capStats.last.Load())
			if s.cfg.Spec.Live() && s.camera == models.CameraOK && time.Since(last) > 2*time.Second {
				s.cameraEvent(models.CameraLost)
			}
			if s.camera == models.CameraLost && s.cfg.Spec.Live() && s.restartCapture != nil &&
				time.Since(last) > 10*time.Second && time.Since(s.capRestarted) > 15*time.Second {
				s.capRestarted = time.Now()
				s.log.Warn().Msg("no picture for 10 s: starting the capture afresh")
				s.restartCapture()
			}
		}
	}
}

func (s *session) cameraEvent(e string) {
	if e == s.camera {
		return
	}
	s.camera = e
	msg := ""
	switch e {
	case models.CameraLost:
		msg = "The camera stopped sending pictures. Check its cable or the phone's stream — coaching continues as soon as it is back."
	case models.CameraEnd:
		msg = "The recording has ended."
		if s.coach != nil {
			s.finish()
		}
	}
	s.log.Info().Str("camera", e).Msg("camera status")
	s.logEvent(web.EventStatus, map[string]any{"camera": e})
	s.publishStatus(msg)
}

// frame handles one captured frame. It does not close f.mat.
func (s *session) frame(f capFrame) {
	if f.gen < s.minGen {
		return // from before a restart
	}
	thumb := thumbnail(f.mat)
	if s.camera != models.CameraOK {
		if s.camera == models.CameraLost && s.calibrated && s.thumb != nil && thumbDiff(s.thumb, thumb) > viewMovedDiff {
			s.recalibrate()
		}
		s.cameraEvent(models.CameraOK)
	}
	s.thumb = thumb
	t := f.at.Sub(s.start).Seconds()
	if !s.cfg.Spec.Live() {
		t = f.vt // a recording's own clock: the coach sees it as a replay would
	}
	if t <= s.lastT {
		t = s.lastT + 1e-3
	}
	s.lastT = t
	s.pressT.Store(math.Float64bits(t))
	if w, h := f.mat.Cols(), f.mat.Rows(); w != s.width || h != s.height {
		s.width, s.height = w, h
		s.publishHello()
	}
	idx := s.nframes
	s.nframes++
	// The JPEG is made while the hands are tracked (both only read the frame).
	type encoded struct {
		b   []byte
		err error
	}
	enc := make(chan encoded, 1)
	go func() {
		b, err := s.encode(f.mat)
		enc <- encoded{b, err}
	}()
	var frameJSON []byte
	if s.calibrated {
		frameJSON = s.track(f.mat, idx, t)
	} else {
		frameJSON = s.calibrate(f.mat, idx, t)
	}
	e := <-enc
	if e.err != nil {
		s.log.Error().Err(e.err).Msg("encode video frame")
	}
	s.hub.PublishVideo(e.b, frameJSON, f.at)
}

// heldFrame is a frame kept for calibration, with its index and time.
type heldFrame struct {
	mat gocv.Mat
	idx int
	t   float64
}

// Calibration look-ahead: like a replay, the first seconds are kept,
// calibrated on, and then tracked, so that a stroke that starts at once is
// not missed.
const (
	calibSeconds   = 2.0
	calibMinFrames = 20
	calibMaxBytes  = 200 << 20
)

// calibrate keeps a copy of the frame until enough are held, then
// calibrates on them and tracks them all (catching up). It returns the
// frame message for the page. It does not close m.
func (s *session) calibrate(m gocv.Mat, idx int, t float64) []byte {
	s.held = append(s.held, heldFrame{mat: m.Clone(), idx: idx, t: t})
	maxFrames := 120
	if per := m.Total() * m.ElemSize(); per > 0 {
		maxFrames = max(calibMinFrames, min(maxFrames, calibMaxBytes/per))
	}
	span := t - s.held[0].t
	if len(s.held) < maxFrames && (len(s.held) < calibMinFrames || span < calibSeconds) {
		return idleFrame(idx, t)
	}
	held := s.held
	s.held = nil
	defer func() {
		for i := range held {
			held[i].mat.Close()
		}
	}()
	mats := make([]gocv.Mat, len(held))
	for i := range held {
		mats[i] = held[i].mat
	}
	if err := s.proc.Calibrate(mats); err != nil {
		if time.Since(s.noBackWarned) > 10*time.Second {
			s.noBackWarned = time.Now()
			s.log.Warn().Err(err).Msg("calibration")
			s.publishStatus("I can't find the back yet. Point the camera straight down at the bare back, waist to shoulders, with the head at the top.")
		}
		return idleFrame(idx, t)
	}
	back, _ := s.proc.Back()
	s.calibrated = true
	s.log.Info().Str("tracker", s.proc.TrackerName()).Int("frames", len(held)).
		Str("spine", fmt.Sprintf("(%.0f,%.0f)→(%.0f,%.0f)", back.SpineBottom.X, back.SpineBottom.Y, back.SpineTop.X, back.SpineTop.Y)).
		Float64("half_width", math.Round(back.HalfWidth)).Msg("back calibrated")
	logTrackerChoice(s.log, s.cfg.Vision, s.proc.TrackerName())
	s.logEvent(web.EventCalibration, map[string]any{"back": back, "tracker": s.proc.TrackerName(),
		"width": s.width, "height": s.height})
	s.publishHello()
	s.publishStatus("")
	var last []byte
	for _, h := range held {
		last = s.track(h.mat, h.idx, h.t)
	}
	return last
}

func idleFrame(idx int, t float64) []byte {
	b, _ := json.Marshal(models.Frame{Type: models.MsgFrame, T: round3(t), I: idx, Hands: []models.HandState{}, Phase: models.PhaseIdle})
	return b
}

// track finds the hands in a frame, coaches (once coaching runs) and
// returns the frame message for the page. It does not close m.
func (s *session) track(m gocv.Mat, idx int, t float64) []byte {
	obs, err := s.proc.Process(m, idx, t)
	if err != nil {
		s.log.Warn().Err(err).Int("frame", idx).Msg("tracking")
	}
	back, _ := s.proc.Back()
	s.ensureCoach()
	fr := models.Frame{Type: models.MsgFrame, T: round3(t), I: idx, Hands: []models.HandState{}, Phase: models.PhaseIdle}
	if !s.finished {
		s.keepStill(m, len(obs.Hands) == 0)
	}
	if s.coach != nil && !s.finished {
		if len(s.paths) < maxReportFrames {
			rf := models.ReportFrame{I: idx, T: round3(t), Hands: make([]models.ReportPoint, 0, len(obs.Hands))}
			for _, hd := range obs.Hands {
				rf.Hands = append(rf.Hands, models.ReportPoint{X: round1(hd.X), Y: round1(hd.Y)})
			}
			s.paths = append(s.paths, rf)
		}
		up := s.coach.Observe(obs)
		fr.Hands, fr.Phase = up.Hands, up.Phase
		if fr.Hands == nil {
			fr.Hands = []models.HandState{}
		}
		s.publishUpdate(up)
	} else {
		for _, h := range obs.Hands {
			u, v := back.UV(h.Pos())
			fr.Hands = append(fr.Hands, models.HandState{ID: h.ID, X: h.X, Y: h.Y, U: u, V: v, Phase: models.PhaseIdle})
		}
	}
	b, err := json.Marshal(fr)
	if err != nil {
		s.log.Error().Err(err).Msg("encode frame message")
		return nil
	}
	return b
}

// keepStill keeps a JPEG of the calibrated back for the report, like
// replay does: the first frame, then the first one without hands.
func (s *session) keepStill(m gocv.Mat, noHands bool) {
	if s.stillClean || (s.still != nil && !noHands) {
		return
	}
	jpg, err := vision.EncodeJPEG(m, 80)
	if err != nil {
		s.log.Warn().Err(err).Msg("still of the back for the report")
		return
	}
	s.still, s.stillClean = jpg, noHands
}

// dropHeld closes the frames kept for calibration.
func (s *session) dropHeld() {
	for i := range s.held {
		s.held[i].mat.Close()
	}
	s.held = nil
}

// encode makes the JPEG for the page, scaled down to at most 960 px wide.
func (s *session) encode(m gocv.Mat) ([]byte, error) {
	if m.Cols() <= 960 {
		return vision.EncodeJPEG(m, s.cfg.JPEGQuality)
	}
	small := gocv.NewMat()
	defer small.Close()
	h := int(math.Round(float64(m.Rows()) * 960 / float64(m.Cols())))
	gocv.Resize(m, &small, image.Pt(960, h), 0, 0, gocv.InterpolationArea)
	return vision.EncodeJPEG(small, s.cfg.JPEGQuality)
}

// ensureCoach starts the coach once the checklist is done and the back is
// calibrated.
func (s *session) ensureCoach() {
	if s.coach != nil || !s.coaching || !s.calibrated || s.finished {
		return
	}
	back, _ := s.proc.Back()
	s.coach = coach.New(s.cfg.Routine, back)
	s.coach.SetZones(s.zones)
	if s.stopped.Load() {
		_, _ = s.coach.Receiver(s.now(), models.ActionStop)
	}
	s.log.Info().Int("zones", len(s.zones)).Msg("coaching started")
}

// publishUpdate sends and logs the strokes and feedback of a coach update.
func (s *session) publishUpdate(up models.Update) {
	for _, st := range up.Strokes {
		s.logEvent(web.EventStroke, st)
		if err := s.hub.Publish(models.StrokeMsg{Type: models.MsgStroke, Stroke: st}, web.Overlay); err != nil {
			s.log.Error().Err(err).Msg("publish stroke")
		}
	}
	for _, fb := range up.Feedback {
		if k := feedbackKey(fb); s.sentEarly[k] {
			delete(s.sentEarly, k) // a receiver press, sent when it came
			continue
		}
		s.logEvent(web.EventFeedback, fb)
		if err := s.hub.Publish(models.FeedbackMsg{Type: models.MsgFeedback, Feedback: fb}, web.Overlay); err != nil {
			s.log.Error().Err(err).Msg("publish feedback")
		}
	}
}

// message handles one browser message.
func (s *session) message(in inMsg) {
	m := in.m
	switch m.Type {
	case models.MsgZones:
		s.zones = m.Zones
		if s.coach != nil {
			s.coach.SetZones(m.Zones)
		}
		s.log.Info().Int("zones", len(m.Zones)).Msg("avoid zones marked")
		s.logEvent(web.EventZones, map[string]any{"zones": m.Zones})
		s.publishHello()
	case models.MsgStart:
		if s.coaching {
			return
		}
		s.coaching = true
		s.logEvent(web.EventCoaching, map[string]any{"zones": len(s.zones)})
		if !s.cfg.Spec.Live() {
			// A recording starts over, calibration included, so that the
			// coach sees all of it as a replay would. Frames from before the
			// restart are ignored.
			s.minGen = s.capStats.gen.Load() + 1
			s.proc.Recalibrate()
			s.dropHeld()
			s.calibrated = false
			select {
			case s.restart <- struct{}{}:
			default:
			}
		}
		s.ensureCoach()
		s.publishHello()
		s.publishStatus("")
	case models.MsgReceiver:
		s.receiver(m.Action, in.t)
	case models.MsgFinish:
		if s.finished {
			return // the summary (sticky) is already on every page
		}
		s.log.Info().Msg("the page finished the session")
		s.finish()
	case models.MsgNewSession:
		if !s.finished {
			s.log.Warn().Msg("ignored a new session: the current one is not finished")
			return
		}
		if err := s.newSession(); err != nil {
			s.log.Error().Err(err).Msg("start a new session")
			s.publishStatus("A new session could not start: " + err.Error())
		}
	}
}

// newSession starts the next session after a finished one: a new id and
// session log, the back found afresh, no zones, and the checklist again
// (the page shows it when the hello's session changes).
func (s *session) newSession() error {
	id, err := newSessionID()
	if err != nil {
		return err
	}
	slog, err := web.OpenSessionLog(s.cfg.DataDir, id)
	if err != nil {
		return err
	}
	s.pressMu.Lock()
	old := s.slog
	s.id, s.slog, s.start = id, slog, time.Now()
	s.stopped.Store(false)
	s.pressMu.Unlock()
	if err := old.Close(); err != nil {
		s.log.Error().Err(err).Msg("close the finished session's log")
	}
	s.coach, s.earlier, s.sentEarly = nil, nil, nil
	s.finished, s.coaching, s.zones = false, s.cfg.AutoStart, nil
	s.paths, s.still, s.stillClean, s.reportFile = nil, nil, false, ""
	if s.cfg.Spec.Live() {
		s.lastT = 0 // a recording keeps its own clock, which never goes back
	}
	s.proc.Recalibrate()
	s.dropHeld()
	s.calibrated = false
	s.hub.DropSticky("summary")
	s.logStart()
	s.log.Info().Str("session", id).Str("log", slog.Path()).Msg("new session started")
	s.publishHello()
	s.publishStatus("")
	return nil
}

// feedbackKey identifies one feedback.
func feedbackKey(fb models.Feedback) string {
	return fmt.Sprintf("%s@%.3f", fb.Code, fb.T)
}

// receiver gives a press on the remote (already relayed and logged by
// press) to the coach, and sends the feedback it gives.
func (s *session) receiver(action string, t float64) {
	if t <= 0 {
		t = s.now()
	}
	var fb models.Feedback
	var err error
	if s.coach != nil {
		fb, err = s.coach.Receiver(t, action)
	} else {
		code := models.Code(action)
		fb = models.Feedback{T: t, Code: code, Message: code.Message()}
		if action == models.ActionResume {
			fb = models.Feedback{T: t}
		}
	}
	if err == nil && fb.Code != "" {
		if s.coach != nil {
			// The coach hands this feedback out again with its next update.
			if s.sentEarly == nil {
				s.sentEarly = map[string]bool{}
			}
			s.sentEarly[feedbackKey(fb)] = true
		}
		s.logEvent(web.EventFeedback, fb)
		if perr := s.hub.Publish(models.FeedbackMsg{Type: models.MsgFeedback, Feedback: fb}, web.Overlay); perr != nil {
			s.log.Error().Err(perr).Msg("publish feedback")
		}
	}
	s.publishStatus("")
}

// finish closes the coaching session: last strokes, the summary (logged),
// the report page when coaching ran, then the summary with the report's
// address (sent). It runs once per session.
func (s *session) finish() {
	if s.finished {
		return
	}
	s.finished = true
	if s.coach != nil {
		s.publishUpdate(s.coach.Finish(s.lastT))
		s.earlier = append(s.earlier, s.coach)
	}
	sum := models.Summary{Codes: map[models.Code]int{}}
	for i, c := range s.earlier {
		sum = mergeSummary(sum, c.Summary(), i == len(s.earlier)-1)
	}
	s.logEvent(web.EventSummary, sum)
	msg := models.SummaryMsg{Type: models.MsgSummary, Session: s.id, Summary: sum}
	if s.coaching {
		// The page is made from the log just written (the summary included).
		page, err := report.WriteSessionHTML(s.slog.Path(), s.paths, s.still)
		if err != nil {
			s.log.Error().Err(err).Msg("write the session's report page")
		} else {
			s.reportFile = page
			msg.Report = web.ReportPath(s.id)
			s.log.Info().Str("report", page).Msg("session report written")
			if s.cfg.OnReport != nil {
				s.cfg.OnReport(page)
			}
		}
	}
	s.paths, s.still = nil, nil
	s.publishHello()
	if err := s.hub.PublishSticky("summary", msg); err != nil {
		s.log.Error().Err(err).Msg("publish summary")
	}
	s.log.Info().Int("strokes", sum.Strokes).Int("good_strokes", sum.GoodStrokes).Msg("session summary")
}

func (s *session) publishHello() {
	back, ok := s.proc.Back()
	h := models.Hello{
		Type: models.MsgHello, Session: s.id, Routine: routineInfo(s.cfg.Routine),
		Width: s.width, Height: s.height, Demo: s.cfg.Demo, Source: s.cfg.Spec.String(),
		Tracker: s.proc.TrackerName(), Zones: s.zones, Coaching: s.coaching, Stopped: s.stopped.Load(),
		Remote: s.srv.RemoteURL(), Phone: s.srv.PhoneReachable(), Finished: s.finished,
	}
	if h.Zones == nil {
		h.Zones = []models.Zone{}
	}
	if ok {
		h.Back = &back
	}
	if h.Width == 0 {
		h.Width, h.Height = 640, 480
	}
	if err := s.hub.PublishSticky("hello", h); err != nil {
		s.log.Error().Err(err).Msg("publish hello")
	}
}

func (s *session) publishStatus(msg string) {
	st := models.Status{Type: models.MsgStatus, Camera: s.camera, Demo: s.cfg.Demo,
		Calibrating: !s.calibrated, Coaching: s.coaching, Stopped: s.stopped.Load(), Message: msg}
	if err := s.hub.PublishSticky("status", st); err != nil {
		s.log.Error().Err(err).Msg("publish status")
	}
}

// viewMovedDiff is the mean grey-level difference (0..255) between the
// thumbnails before and after a camera loss above which the view is taken
// to have moved. Hands moving change a few cells; a moved camera changes most.
const viewMovedDiff = 18

// thumbnail makes a 32×24 grey copy of a frame.
func thumbnail(m gocv.Mat) []byte {
	if m.Empty() {
		return nil
	}
	small := gocv.NewMat()
	defer small.Close()
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.Resize(m, &small, image.Pt(32, 24), 0, 0, gocv.InterpolationArea)
	if small.Channels() == 3 {
		gocv.CvtColor(small, &gray, gocv.ColorBGRToGray)
	} else {
		small.CopyTo(&gray)
	}
	b := gray.ToBytes()
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// thumbDiff is the mean absolute difference of two thumbnails (255 when
// they cannot be compared).
func thumbDiff(a, b []byte) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 255
	}
	sum := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
	}
	return float64(sum) / float64(len(a))
}

// recalibrate starts calibration over (the camera moved while it was
// lost). The coach so far is kept for the summary; a new one starts once the
// back is found again.
func (s *session) recalibrate() {
	s.log.Warn().Msg("the view moved while the camera was lost: finding the back again")
	if s.coach != nil {
		s.publishUpdate(s.coach.Finish(s.lastT))
		s.earlier = append(s.earlier, s.coach)
		s.coach = nil
	}
	s.proc.Recalibrate()
	s.dropHeld()
	s.calibrated = false
	// The report draws the paths over the last calibration's view: what was
	// seen before the camera moved would not line up with it.
	s.paths, s.still, s.stillClean = nil, nil, false
	s.logEvent(web.EventStatus, map[string]any{"recalibrating": true})
	s.publishHello()
	s.publishStatus("The camera moved — finding the back again. Keep still for a moment.")
}

// mergeSummary adds the summary of a later part of the session to acc.
// Advice comes from the last part.
func mergeSummary(acc, s models.Summary, last bool) models.Summary {
	acc.Duration += s.Duration
	acc.Strokes += s.Strokes
	acc.GoodStrokes += s.GoodStrokes
	for c, n := range s.Codes {
		acc.Codes[c] += n
	}
	if s.Coverage != nil {
		if acc.Coverage == nil {
			acc.Coverage = &models.CoverageStats{}
		}
		acc.Coverage.LeftSeconds += s.Coverage.LeftSeconds
		acc.Coverage.RightSeconds += s.Coverage.RightSeconds
	}
	if last {
		acc.Advice = s.Advice
	}
	return acc
}

// routineInfo is what the page needs of the routine.
func routineInfo(r *coach.Routine) models.RoutineInfo {
	ri := models.DefaultRoutineInfo(r.Name)
	pos := func(dst *float64, v float64) {
		if v > 0 && !math.IsInf(v, 0) {
			*dst = v
		}
	}
	pos(&ri.StartBand, r.Start.VMax)
	pos(&ri.ShoulderV, r.Shoulders.VMin)
	pos(&ri.SpineBand, r.Spine.UMax)
	pos(&ri.MaxSpeed, r.Pace.SpeedLimit)
	pos(&ri.MinAscent, r.Pace.MinAscent)
	pos(&ri.MinCircles, float64(r.Circles.MinCount))
	// The metronome: the minimum circles spread over a comfortable ascent,
	// never faster than one circle a second.
	if ri.MinAscent > 0 && ri.MinCircles > 0 {
		ri.CirclePace = math.Max(1, 1.5*ri.MinAscent/(ri.MinCircles+1))
	}
	return ri
}
