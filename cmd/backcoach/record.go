package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

func init() {
	register("record", "save the camera to a video file for later replay", runRecord)
}

func runRecord(ctx context.Context, app *App, args []string) error {
	fs := app.flags("record", "--camera N | --source URL|PIPELINE --out FILE.mp4 [--duration S]")
	camera := fs.Int("camera", -1, "camera number (0 is the first camera)")
	source := fs.String("source", "", "a stream URL or a GStreamer pipeline")
	out := fs.String("out", "", "the video file to write (.mp4 or .avi)")
	duration := fs.Float64("duration", 0, "stop after this many seconds (default: until Ctrl-C)")
	if err := app.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badArgs("unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return badArgs("where to? give --out FILE.mp4")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if ext != ".mp4" && ext != ".avi" {
		return badArgs("--out %s: the file name must end in .mp4 or .avi", *out)
	}
	if *duration < 0 {
		return badArgs("--duration must be positive")
	}
	var spec vision.SourceSpec
	switch {
	case *camera >= 0 && *source != "":
		return badArgs("choose --camera or --source, not both")
	case *camera >= 0:
		spec = vision.SourceSpec{Camera: *camera, UseCam: true}
	case *source != "":
		spec = vision.ParseCameraOrSource(*source)
	default:
		spec = vision.SourceSpec{Camera: 0, UseCam: true}
	}
	return Record(ctx, spec, *out, time.Duration(*duration*float64(time.Second)), app)
}

// Record saves a source to a video file until ctx ends or d passes (d = 0:
// until ctx ends). It writes to a temporary file beside out and renames it
// into place at the end, so that out is never half written.
func Record(ctx context.Context, spec vision.SourceSpec, out string, d time.Duration, app *App) error {
	src, err := vision.Open(spec)
	if err != nil {
		return badInput(err)
	}
	defer src.Close()
	w, h := src.Size()
	fps := src.FPS()
	dir, base := filepath.Split(out)
	if dir == "" {
		dir = "."
	}
	ext := filepath.Ext(base)
	tmp := filepath.Join(dir, "."+strings.TrimSuffix(base, ext)+".partial"+ext)
	fourcc := "mp4v"
	if strings.EqualFold(ext, ".avi") {
		fourcc = "MJPG"
	}
	vw, err := gocv.VideoWriterFile(tmp, fourcc, fps, w, h, true)
	if err != nil || !vw.IsOpened() {
		if vw != nil {
			vw.Close()
		}
		os.Remove(tmp)
		return badArgs("cannot write a video to %s", out)
	}
	app.Log.Info().Str("source", spec.String()).Str("out", out).Float64("fps", fps).Msg("recording — press Ctrl-C to stop")
	start := time.Now()
	frame := gocv.NewMat()
	defer frame.Close()
	n, misses := 0, 0
	var rerr error
	for ctx.Err() == nil && (d == 0 || time.Since(start) < d) {
		if err := src.Read(&frame); err != nil {
			misses++
			if misses > 30 || !spec.Live() {
				rerr = fmt.Errorf("record %s: the source stopped after %d frames: %w", spec, n, err)
				break
			}
			continue
		}
		misses = 0
		if frame.Cols() != w || frame.Rows() != h {
			continue // a size change mid-stream cannot go in the same file
		}
		if err := vw.Write(frame); err != nil {
			rerr = fmt.Errorf("record %s: write frame %d: %w", out, n, err)
			break
		}
		n++
	}
	if err := vw.Close(); err != nil && rerr == nil {
		rerr = fmt.Errorf("record %s: close: %w", out, err)
	}
	if n == 0 {
		os.Remove(tmp)
		if rerr == nil {
			rerr = errors.New("record: no frames were captured")
		}
		return rerr
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record: save %s: %w", out, err)
	}
	app.Log.Info().Int("frames", n).Str("out", out).Msg("recording saved")
	if rerr != nil && !errors.Is(ctx.Err(), context.Canceled) {
		app.Log.Warn().Err(rerr).Msg("recording ended early; what was captured is saved")
	}
	return nil
}
