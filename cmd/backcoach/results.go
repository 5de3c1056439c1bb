package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"github.com/backcoach/backcoach/web/report"
	"gocv.io/x/gocv"
)

// This file holds the results people look at after a replay (issue 6):
// `replay --overlay OUT.mp4` (the video with the coaching drawn in) and
// `replay --html OUT.html` (a self-contained page). replay.go calls it at
// three points: flags, every frame, the end.

// resultsFlags are replay's --overlay and --html.
type resultsFlags struct {
	overlay string
	html    string
}

func (r *resultsFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&r.overlay, "overlay", "", "also write the video with the coaching drawn in to OUT.mp4 (H.264)")
	fs.StringVar(&r.html, "html", "", "also write a report page to OUT.html that opens in any browser, with no network")
}

// start checks the output paths before the replay starts (so a typo fails in
// a second, not after minutes of video) and returns the per-frame writer; it
// is nil when neither flag was given.
func (r *resultsFlags) start(video string) (*replayResults, error) {
	if r.overlay == "" && r.html == "" {
		return nil, nil
	}
	for _, o := range []struct{ flag, path string }{{"--overlay", r.overlay}, {"--html", r.html}} {
		if o.path == "" {
			continue
		}
		if o.path == "-" {
			return nil, badArgs("%s: give a file name (standard output is for --report)", o.flag)
		}
		dir := filepath.Dir(o.path)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, badArgs("%s %s: the folder %s does not exist", o.flag, o.path, dir)
		}
		if sameFile(o.path, video) {
			return nil, badArgs("%s %s: that is the input video; choose another file name", o.flag, o.path)
		}
	}
	if r.overlay != "" && sameFile(r.overlay, r.html) {
		return nil, badArgs("--overlay and --html name the same file %s", r.html)
	}
	return &replayResults{overlayPath: r.overlay, htmlPath: r.html}, nil
}

// sameFile reports whether a and b name the same file (or the same path when
// neither exists yet).
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sa, ea := os.Stat(a)
	sb, eb := os.Stat(b)
	if ea == nil && eb == nil {
		return os.SameFile(sa, sb)
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// replayResults writes the overlay video frame by frame and keeps a still of
// the back for the HTML report. Its methods are safe on a nil receiver (no
// flags given).
type replayResults struct {
	overlayPath, htmlPath string

	overlay *vision.OverlayWriter
	still   []byte
	clean   bool // still shows no hands
}

// frame handles one replayed frame: draws the overlay with the coach's update
// and picks the still (the first frame where no hands are seen; frame 0
// until then).
func (r *replayResults) frame(frame gocv.Mat, rep *models.Report, obs models.FrameObs, upd models.Update) error {
	if r == nil {
		return nil
	}
	if r.overlayPath != "" {
		if r.overlay == nil {
			fps := rep.Source.FPS
			if !(fps > 0) {
				fps = 30
			}
			ow, err := vision.OpenOverlay(r.overlayPath, fps, frame.Cols(), frame.Rows())
			if err != nil {
				return err
			}
			r.overlay = ow
		}
		if err := r.overlay.Draw(frame, rep.Back, upd); err != nil {
			return err
		}
	}
	if r.htmlPath != "" && !r.clean && (r.still == nil || len(obs.Hands) == 0) {
		jpg, err := vision.EncodeJPEG(frame, 85)
		if err != nil {
			return fmt.Errorf("still for the report: %w", err)
		}
		r.still, r.clean = jpg, len(obs.Hands) == 0
	}
	return nil
}

// finish closes the overlay video (renaming it into place) and writes the
// HTML report.
func (r *replayResults) finish(rep *models.Report) error {
	if r == nil {
		return nil
	}
	if r.overlay != nil {
		err := r.overlay.Close()
		r.overlay = nil
		if err != nil {
			return err
		}
	} else if r.overlayPath != "" {
		return errors.New("overlay: the replay drew no frames")
	}
	if r.htmlPath != "" {
		if err := report.WriteFile(r.htmlPath, rep, r.still); err != nil {
			return err
		}
	}
	return nil
}

// abort drops a half-written overlay video after a failed replay.
func (r *replayResults) abort() {
	if r == nil || r.overlay == nil {
		return
	}
	r.overlay.Abort()
	r.overlay = nil
}
