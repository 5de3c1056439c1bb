package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision/synth"
)

func init() {
	register("synth", "render a synthetic session video with its ground truth (for testdata)", runSynth)
}

// synthJob is one parsed `backcoach synth` invocation.
type synthJob struct {
	opts synth.Options
	out  string
	all  string
}

func (a *App) parseSynth(args []string) (*synthJob, error) {
	fs := a.flags("synth", "--scenario NAME --seed N --out FILE.mp4 [flags] | --all DIR")
	scenario := fs.String("scenario", "", "scenario: "+strings.Join(synth.Scenarios(), ", "))
	seed := fs.Int64("seed", 1, "random seed (scene look and trajectory details)")
	out := fs.String("out", "", "output video (.mp4, H.264); the truth goes to NAME.truth.json beside it")
	all := fs.String("all", "", "write the whole standard test set into this directory")
	duration := fs.Float64("duration", 0, "length in seconds (0: the scenario's natural length)")
	head := fs.String("head", "top", "where the receiver's head is: top, bottom, left or right")
	width := fs.Int("width", 640, "frame width in pixels")
	height := fs.Int("height", 480, "frame height in pixels")
	fps := fs.Float64("fps", 30, "frames per second")
	skin := fs.String("skin", "", "partner skin: '' (drawn from the seed), match (nearly the receiver's tone) or contrast")
	sleeves := fs.String("sleeves", "", "partner sleeves: '' (drawn from the seed), none, short or long")
	onBack := fs.Bool("start-on-back", false, "start with the hands already resting on the back (no hand-free first frames)")
	heldOut := fs.Bool("held-out", false, "mark the video as held out from tracker tuning (truth tuning=false)")
	if err := a.parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, badArgs("unexpected argument %q", fs.Arg(0))
	}
	if *all != "" {
		if *out != "" || *scenario != "" {
			return nil, badArgs("--all DIR renders the standard set: do not combine it with --out or --scenario")
		}
		return &synthJob{all: *all}, nil
	}
	if *scenario == "" {
		return nil, badArgs("--scenario is required (one of %s), or --all DIR", strings.Join(synth.Scenarios(), ", "))
	}
	if synth.Describe(*scenario) == "" {
		return nil, badArgs("--scenario %q: want one of %s", *scenario, strings.Join(synth.Scenarios(), ", "))
	}
	if *out == "" {
		return nil, badArgs("--out FILE.mp4 is required")
	}
	if !strings.EqualFold(filepath.Ext(*out), ".mp4") {
		return nil, badArgs("--out %q: want a .mp4 file", *out)
	}
	h, ok := models.ParseHead(*head)
	if !ok {
		return nil, badArgs("--head %q: want top, bottom, left or right", *head)
	}
	if *width < 64 || *height < 48 || *width > 4096 || *height > 4096 || *width%2 != 0 || *height%2 != 0 {
		return nil, badArgs("--width %d --height %d: want even sizes from 64x48 to 4096x4096", *width, *height)
	}
	if *fps < 1 || *fps > 240 || math.IsNaN(*fps) {
		return nil, badArgs("--fps %v: want 1 to 240", *fps)
	}
	if *duration < 0 || *duration > 3600 || math.IsNaN(*duration) {
		return nil, badArgs("--duration %v: want 0 (natural length) to 3600 seconds", *duration)
	}
	var tweaks []func(*synth.Scene)
	switch *skin {
	case "":
	case "match":
		tweaks = append(tweaks, (*synth.Scene).MatchSkin)
	case "contrast":
		tweaks = append(tweaks, (*synth.Scene).ContrastSkin)
	default:
		return nil, badArgs("--skin %q: want match or contrast", *skin)
	}
	switch *sleeves {
	case "":
	case "none", "short", "long":
		n := map[string]int{"none": 0, "short": 1, "long": 2}[*sleeves]
		tweaks = append(tweaks, func(s *synth.Scene) { s.Sleeves = n })
	default:
		return nil, badArgs("--sleeves %q: want none, short or long", *sleeves)
	}
	opts := synth.Options{
		Scenario: *scenario, Seed: *seed, Duration: *duration, Head: h,
		Width: *width, Height: *height, FPS: *fps, Tuning: !*heldOut, StartOnBack: *onBack,
	}
	if len(tweaks) > 0 {
		opts.Tweak = func(s *synth.Scene) {
			for _, t := range tweaks {
				t(s)
			}
		}
	}
	return &synthJob{opts: opts, out: *out}, nil
}

func runSynth(ctx context.Context, app *App, args []string) error {
	job, err := app.parseSynth(args)
	if err != nil {
		return err
	}
	if job.all != "" {
		if err := os.MkdirAll(job.all, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", job.all, err)
		}
		for _, j := range synth.StandardSet() {
			full := append(append([]string{}, j.Args...), "--out", filepath.Join(job.all, j.Name+".mp4"))
			one, err := app.parseSynth(full)
			if err != nil {
				return fmt.Errorf("standard set %s: %w", j.Name, err)
			}
			if err := renderSynth(ctx, app, one); err != nil {
				return err
			}
		}
		return nil
	}
	return renderSynth(ctx, app, job)
}

func renderSynth(ctx context.Context, app *App, job *synthJob) error {
	if dir := filepath.Dir(job.out); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return badArgs("--out %q: directory %q does not exist", job.out, dir)
		}
	}
	s, err := synth.Plan(job.opts)
	if err != nil {
		return badArgs("%v", err)
	}
	app.Log.Info().Str("scenario", job.opts.Scenario).Int64("seed", job.opts.Seed).
		Int("frames", s.Frames()).Str("out", job.out).Msg("rendering")
	if err := s.Write(ctx, job.out); err != nil {
		return fmt.Errorf("render %s: %w", job.out, err)
	}
	app.Log.Info().Str("out", job.out).Str("truth", synth.TruthPath(job.out)).Msg("done")
	return nil
}
