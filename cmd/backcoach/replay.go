package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/backcoach/backcoach/internal/atomicfile"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"github.com/rs/zerolog"
	"gocv.io/x/gocv"
)

func init() {
	register("replay", "replay a recorded session as fast as possible into a report", runReplay)
}

// visionFlags are the calibration and tracker flags shared by replay and serve.
type visionFlags struct {
	head      string
	spine     string
	halfWidth float64
	tracker   string
	modelDir  string
	routine   string
}

func (v *visionFlags) define(fsAdd interface {
	StringVar(p *string, name, value, usage string)
	Float64Var(p *float64, name string, value float64, usage string)
}) {
	fsAdd.StringVar(&v.head, "head", "top", "where the receiver's head is in the image: top, bottom, left or right")
	fsAdd.StringVar(&v.spine, "spine", "", "fix the spine line instead of calibrating: X1,Y1,X2,Y2 (waist midpoint, then shoulder-line midpoint, in pixels)")
	fsAdd.Float64Var(&v.halfWidth, "half-width", 0, "with --spine: the half width of the back in pixels")
	fsAdd.StringVar(&v.tracker, "tracker", "", "hand tracker: classic or hybrid (default: hybrid when the hand models are installed)")
	fsAdd.StringVar(&v.modelDir, "models", "", "folder with the hand models (default: the installed ones)")
	fsAdd.StringVar(&v.routine, "routine", "", "routine file (YAML) to use instead of the built-in one")
}

// options checks the flags and turns them into vision options.
func (v *visionFlags) options() (vision.Options, error) {
	head, ok := models.ParseHead(v.head)
	if !ok {
		return vision.Options{}, badArgs("--head %q: want top, bottom, left or right", v.head)
	}
	opts := vision.Options{Head: head, Tracker: v.tracker, ModelDir: v.modelDir}
	switch v.tracker {
	case "", "classic", "hybrid":
	default:
		return opts, badArgs("--tracker %q: want classic or hybrid", v.tracker)
	}
	if v.spine == "" && v.halfWidth != 0 {
		return opts, badArgs("--half-width needs --spine too")
	}
	if v.spine != "" {
		parts := strings.Split(v.spine, ",")
		if len(parts) != 4 {
			return opts, badArgs("--spine %q: want X1,Y1,X2,Y2", v.spine)
		}
		var n [4]float64
		for i, p := range parts {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return opts, badArgs("--spine %q: %q is not a number", v.spine, p)
			}
			n[i] = f
		}
		if !(v.halfWidth > 0) || math.IsInf(v.halfWidth, 0) {
			return opts, badArgs("--spine needs --half-width PX (a positive number of pixels)")
		}
		b := models.Back{SpineBottom: models.Point{X: n[0], Y: n[1]}, SpineTop: models.Point{X: n[2], Y: n[3]}, HalfWidth: v.halfWidth}
		if !b.Valid() {
			return opts, badArgs("--spine %q: the two points must be apart", v.spine)
		}
		opts.Back = &b
	}
	return opts, nil
}

// resolve checks the flags and loads the routine.
func (v *visionFlags) resolve() (vision.Options, *coach.Routine, error) {
	opts, err := v.options()
	if err != nil {
		return opts, nil, err
	}
	routine, err := v.loadRoutine()
	return opts, routine, err
}

// loadRoutine loads --routine or the built-in routine.
func (v *visionFlags) loadRoutine() (*coach.Routine, error) {
	if v.routine == "" {
		return coach.DefaultRoutine(), nil
	}
	r, err := coach.LoadRoutine(v.routine)
	if err != nil {
		return nil, badInput(err)
	}
	return r, nil
}

func runReplay(ctx context.Context, app *App, args []string) error {
	fs := app.flags("replay", "VIDEO [--report FILE|-] [flags]")
	var vf visionFlags
	vf.define(fs)
	report := fs.String("report", "", "write the JSON report to FILE (- for standard output)")
	progress := fs.Bool("progress", true, "show a progress bar on a terminal")
	zonesFile := fs.String("zones", "", "areas to avoid: a JSON file of zones, [{\"points\": [[u,v], ...]}, ...] in back coordinates")
	var results resultsFlags // --overlay, --html: results.go (issue 6)
	results.define(fs)
	// Accept the video before or after the flags.
	var video string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		video, args = args[0], args[1:]
	}
	if err := app.parse(fs, args); err != nil {
		return err
	}
	if video == "" && fs.NArg() > 0 {
		video = fs.Arg(0)
		if fs.NArg() > 1 {
			return badArgs("one video at a time (got %d)", fs.NArg())
		}
	} else if fs.NArg() > 0 {
		return badArgs("unexpected argument %q", fs.Arg(0))
	}
	if video == "" {
		return badArgs("which video? usage: backcoach replay VIDEO --report FILE")
	}
	opts, routine, err := vf.resolve()
	if err != nil {
		return err
	}
	res, err := results.start(video) // results.go (issue 6)
	if err != nil {
		return err
	}
	defer res.abort()
	if *report == "" && res == nil {
		app.Log.Info().Msg("no --report given: the report is checked but not written (use --report FILE or -)")
	}
	var bar *progressBar
	if *progress {
		bar = newProgressBar(app.Stderr)
	}
	zones, err := loadZones(*zonesFile)
	if err != nil {
		return err
	}
	rep, err := Replay(ctx, ReplayJob{Video: video, Vision: opts, Routine: routine, Zones: zones, Log: app.Log, Bar: bar, Results: res})
	if err != nil {
		return err
	}
	s := rep.Summary
	app.Log.Info().Str("tracker", rep.Tracker).Int("frames", len(rep.Frames)).Int("strokes", s.Strokes).
		Int("good_strokes", s.GoodStrokes).Msg("replay done")
	if err := res.finish(rep); err != nil { // overlay video and HTML page: results.go (issue 6)
		return err
	}
	if *report == "" {
		return nil
	}
	return writeJSON(*report, app.Stdout, rep)
}

// ReplayJob is what one replay needs.
type ReplayJob struct {
	Video   string
	Vision  vision.Options
	Routine *coach.Routine
	Zones   []models.Zone  // areas to avoid (u, v)
	Log     zerolog.Logger // where progress is logged
	Bar     *progressBar   // nil for none
	Results *replayResults // overlay video and HTML page (nil for none)
}

// Replay runs a recorded video through vision and the coach and returns its
// report. Input errors (unreadable video, no back in view) are exit-2 errors.
func Replay(ctx context.Context, job ReplayJob) (*models.Report, error) {
	video, opts, routine, bar, res := job.Video, job.Vision, job.Routine, job.Bar, job.Results
	src, err := vision.Open(vision.SourceSpec{File: video})
	if err != nil {
		return nil, badInput(err)
	}
	fps := src.FPS()
	w, h := src.Size()
	announced := src.FrameCount()

	proc, err := vision.NewProcessor(opts)
	if err != nil {
		src.Close()
		return nil, badArgs("%v", err)
	}
	defer proc.Close()
	defer src.Close()

	var c *coach.Coach
	rep := &models.Report{
		Source:  models.Source{Path: video, FPS: fps, Width: w, Height: h},
		Routine: routine.Name,
		Frames:  make([]models.ReportFrame, 0, announced),
	}
	st, err := vision.Replay(ctx, src, proc, replayLookahead(fps), func(frame gocv.Mat, obs models.FrameObs) error {
		if c == nil {
			back, _ := proc.Back()
			rep.Back = back
			rep.Tracker = proc.TrackerName()
			job.Log.Info().Str("tracker", rep.Tracker).
				Str("spine", fmt.Sprintf("(%.0f,%.0f)→(%.0f,%.0f)", back.SpineBottom.X, back.SpineBottom.Y, back.SpineTop.X, back.SpineTop.Y)).
				Float64("half_width", math.Round(back.HalfWidth)).Msg("back calibrated")
			logTrackerChoice(job.Log, opts, rep.Tracker)
			c = coach.New(routine, back)
			c.SetZones(job.Zones)
		}
		upd := c.Observe(obs)
		if err := res.frame(frame, rep, obs, upd); err != nil { // results.go (issue 6)
			return err
		}
		rf := models.ReportFrame{I: obs.Index, T: round3(obs.T), Hands: make([]models.ReportPoint, 0, len(obs.Hands))}
		for _, hd := range obs.Hands {
			rf.Hands = append(rf.Hands, models.ReportPoint{X: round1(hd.X), Y: round1(hd.Y)})
		}
		rep.Frames = append(rep.Frames, rf)
		bar.Update(obs.Index+1, announced)
		return nil
	})
	i := st.Frames
	if err != nil {
		bar.Done()
		switch {
		case errors.Is(err, vision.ErrNoBack):
			return nil, badInput(fmt.Errorf("%s: %w", video, err))
		case errors.Is(err, context.Canceled):
			return nil, err
		case i == 0:
			return nil, badInput(fmt.Errorf("%s: %w", video, err))
		}
		return nil, fmt.Errorf("replay %s: %w", video, err)
	}
	bar.Done()
	if announced > 30 && i < announced*9/10 {
		return nil, badInput(fmt.Errorf("read %s: the video stops after %d of its %d frames (truncated or damaged?)", video, i, announced))
	}
	c.Finish(float64(i) / fps)
	rep.Source.Frames = i
	rep.Strokes = nonNil(c.Strokes())
	rep.Feedback = nonNil(c.Feedback())
	rep.Summary = c.Summary()
	if rep.Summary.Codes == nil {
		rep.Summary.Codes = map[models.Code]int{}
	}
	return rep, nil
}

// loadZones reads --zones: a JSON array of zones in back coordinates.
func loadZones(path string) ([]models.Zone, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, badInput(fmt.Errorf("--zones: %w", err))
	}
	defer f.Close()
	var zones []models.Zone
	dec := json.NewDecoder(io.LimitReader(f, 1<<20))
	if err := dec.Decode(&zones); err != nil {
		return nil, badInput(fmt.Errorf("--zones %s: not a JSON list of zones: %v", path, err))
	}
	for i, z := range zones {
		if len(z.Points) < 3 {
			return nil, badInput(fmt.Errorf("--zones %s: zone %d has %d points, want at least 3", path, i+1, len(z.Points)))
		}
		for _, p := range z.Points {
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 10 || math.Abs(p[1]) > 10 {
				return nil, badInput(fmt.Errorf("--zones %s: zone %d has a point off the back: %v", path, i+1, p))
			}
		}
	}
	return zones, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// replayLookahead is how many frames a replay keeps before calibrating:
// two seconds.
func replayLookahead(fps float64) int {
	n := int(math.Round(2 * fps))
	if n < 20 {
		n = 20
	}
	if n > 120 {
		n = 120
	}
	return n
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// writeJSON writes v as indented JSON to path ("-" for stdout), through a
// temporary file and a rename so that a failure never leaves half a file in
// place of a good one.
func writeJSON(path string, stdout io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	data = append(data, '\n')
	if path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return badArgs("%v", err)
		}
		return err
	}
	return nil
}
