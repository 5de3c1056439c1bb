package vision_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

// video is one testdata video with its ground truth.
type video struct {
	name  string
	path  string
	truth models.Truth
}

func loadVideos(t testing.TB) []video {
	t.Helper()
	dir := "../testdata"
	if d := os.Getenv("BACKCOACH_TESTDATA"); d != "" {
		dir = d
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "[^.]*.mp4"))
	sort.Strings(paths)
	var out []video
	for _, p := range paths {
		tp := strings.TrimSuffix(p, ".mp4") + ".truth.json"
		data, err := os.ReadFile(tp)
		if err != nil {
			t.Fatalf("video %s has no truth: %v", p, err)
		}
		var tr models.Truth
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatalf("truth %s: %v", tp, err)
		}
		out = append(out, video{name: strings.TrimSuffix(filepath.Base(p), ".mp4"), path: p, truth: tr})
	}
	if len(out) == 0 {
		t.Fatal("no testdata videos in ../testdata")
	}
	return out
}

// accuracy sums up how reported palms match the true ones.
type accuracy struct {
	truths, reports, matched int
	errSum                   float64
	framesWithHands, frames  int
}

func (a accuracy) recall() float64    { return ratio(a.matched, a.truths) }
func (a accuracy) precision() float64 { return ratio(a.matched, a.reports) }
func (a accuracy) meanErr() float64 {
	if a.matched == 0 {
		return 0
	}
	return a.errSum / float64(a.matched)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// matchFrame matches reported hands to visible true palms one-to-one
// (closest pairs first) within radius.
func matchFrame(acc *accuracy, truth []models.TruthHand, got []models.Hand, radius float64) {
	var tv []models.TruthHand
	for _, h := range truth {
		if h.Visible {
			tv = append(tv, h)
		}
	}
	acc.truths += len(tv)
	acc.reports += len(got)
	acc.frames++
	if len(got) > 0 {
		acc.framesWithHands++
	}
	type pair struct {
		i, j int
		d    float64
	}
	var ps []pair
	for i, a := range tv {
		for j, b := range got {
			d := math.Hypot(a.X-b.X, a.Y-b.Y)
			if d <= radius {
				ps = append(ps, pair{i, j, d})
			}
		}
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].d < ps[b].d })
	ui := map[int]bool{}
	uj := map[int]bool{}
	for _, p := range ps {
		if ui[p.i] || uj[p.j] {
			continue
		}
		ui[p.i], uj[p.j] = true, true
		acc.matched++
		acc.errSum += p.d
	}
}

// runVideo replays one video through a processor and scores it.
func runVideo(t testing.TB, v video, opts vision.Options) (accuracy, models.Back, string) {
	t.Helper()
	src, err := vision.Open(vision.SourceSpec{File: v.path})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p, err := vision.NewProcessor(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var acc accuracy
	radius := v.truth.PalmWidth / 2
	_, err = vision.Replay(context.Background(), src, p, 60, func(_ gocv.Mat, obs models.FrameObs) error {
		if obs.Index < len(v.truth.Frames) {
			matchFrame(&acc, v.truth.Frames[obs.Index].Hands, obs.Hands, radius)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", v.name, err)
	}
	back, _ := p.Back()
	return acc, back, p.TrackerName()
}

func backErrors(got, want models.Back) (bottom, top, width float64) {
	L := want.Length()
	return got.SpineBottom.Dist(want.SpineBottom) / L, got.SpineTop.Dist(want.SpineTop) / L,
		math.Abs(got.HalfWidth-want.HalfWidth) / want.HalfWidth
}

// Accuracy the default tracker must reach (a reported palm counts when
// within half a palm width of a true one): over all testdata videos
// together and on each video the target.
// The figures are printed per video.
const (
	minRecall         = 0.97
	minPrecision      = 0.97
	maxMeanErrPx      = 6.0
	minRecallVideo    = 0.97
	minPrecisionVideo = 0.97
	maxMeanErrPxVideo = 6.0
	// Calibration: the target, asserted on every testdata video:
	// spine endpoints within 0.05 back lengths, half width within 10 %.
	targetSpineErrL  = 0.05
	targetHalfWidthE = 0.10
	minIdleEmpty     = 0.99 // share of idle-video frames with no hand
)

// modelDir returns the hand models' folder for the tests ($BACKCOACH_MODELS
// or ../../shared/models), or "" when there are none: the classic tracker
// is then the default.
func modelDir() string {
	for _, d := range []string{os.Getenv("BACKCOACH_MODELS"), "../../shared/models"} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "hand_landmark_opencv46.onnx")); err == nil {
			return d
		}
	}
	return ""
}

// TestTrackerAccuracyOnTestdata replays every testdata video with the
// classic tracker and, when the hand models are there, the hybrid one (the
// default), and prints their figures side by side. It checks calibration,
// the default tracker's recall, precision and mean error, that the hybrid
// tracker beats the classic one on precision and error without losing
// recall, that the idle video shows no hands, and that no Mat is left open.
func TestTrackerAccuracyOnTestdata(t *testing.T) {
	if testing.Short() {
		t.Skip("replays every test video")
	}
	start := matCount()
	videos := loadVideos(t)
	mdir := modelDir()
	trackers := []string{"classic"}
	if mdir != "" {
		trackers = append(trackers, "hybrid")
	} else {
		t.Log("no hand models: only the classic tracker is measured")
	}
	def := trackers[len(trackers)-1]
	totals := map[string]*accuracy{}
	for _, v := range videos {
		accs := map[string]accuracy{}
		line := fmt.Sprintf("%-22s", v.name)
		for _, tr := range trackers {
			acc, _, name := runVideo(t, v, vision.Options{Head: v.truth.Head, Tracker: tr, ModelDir: mdir})
			if name != tr {
				t.Fatalf("%s: tracker %q, want %q", v.name, name, tr)
			}
			accs[tr] = acc
			line += fmt.Sprintf(" | %s R %.3f P %.3f err %4.1f px", tr, acc.recall(), acc.precision(), acc.meanErr())
			if totals[tr] == nil {
				totals[tr] = &accuracy{}
			}
			tot := totals[tr]
			tot.truths += acc.truths
			tot.reports += acc.reports
			tot.matched += acc.matched
			tot.errSum += acc.errSum
			if v.truth.Scenario == "idle" {
				empty := 1 - float64(acc.framesWithHands)/float64(acc.frames)
				line += fmt.Sprintf(" (no hands in %.1f%% of frames)", 100*empty)
				if empty < minIdleEmpty {
					t.Errorf("%s %s: hands reported in %.1f%% of the frames of a back-only video", v.name, tr, 100*(1-empty))
				}
			}
		}
		t.Logf("%s", line)
		d := accs[def]
		if d.recall() < minRecallVideo || d.precision() < minPrecisionVideo || d.meanErr() > maxMeanErrPxVideo {
			t.Errorf("%s %s: recall %.3f precision %.3f error %.1f px; want >= %.2f, >= %.2f, <= %.0f px",
				v.name, def, d.recall(), d.precision(), d.meanErr(), minRecallVideo, minPrecisionVideo, maxMeanErrPxVideo)
		}
		if c, h, ok := accs["classic"], accs["hybrid"], len(accs) == 2; ok && v.truth.Scenario != "idle" {
			if h.precision() < c.precision() || h.meanErr() > c.meanErr() || h.recall() < c.recall()-0.005 {
				t.Errorf("%s: hybrid (R %.3f P %.3f err %.1f) does not beat classic (R %.3f P %.3f err %.1f)",
					v.name, h.recall(), h.precision(), h.meanErr(), c.recall(), c.precision(), c.meanErr())
			}
		}
	}
	for _, tr := range trackers {
		a := totals[tr]
		t.Logf("ALL %-7s recall %.3f precision %.3f error %.1f px", tr, a.recall(), a.precision(), a.meanErr())
	}
	if a := totals[def]; a.recall() < minRecall || a.precision() < minPrecision || a.meanErr() > maxMeanErrPx {
		t.Errorf("all videos, %s: recall %.3f precision %.3f error %.1f px; want >= %.2f, >= %.2f, <= %.0f px",
			def, a.recall(), a.precision(), a.meanErr(), minRecall, minPrecision, maxMeanErrPx)
	}
	if n := matCount(); n != start {
		t.Errorf("Mats left open: %d", n-start)
	}
}

// TestTrackerAtOtherSizes replays two testdata videos scaled to 1280×960,
// as a phone or a webcam at 720p and up would film them: calibration and
// tracking work in proportion to the back, not in fixed pixels, so the
// figures must hold (errors counted in 640-px pixels).
func TestTrackerAtOtherSizes(t *testing.T) {
	mdir := replayModels(t)
	start := matCount()
	const scale = 2.0
	for _, v := range loadVideos(t) {
		if v.name != "correct" && v.name != "hands_lost" {
			continue
		}
		acc, back := runScaled(t, v, scale, mdir)
		bottom, top, width := backErrors(back, scaleBack(v.truth.Back, scale))
		t.Logf("%-10s at %.0fx: recall %.3f precision %.3f error %.1f px (640-px pixels); spine %.3f/%.3f L, half width %.1f %%",
			v.name, scale, acc.recall(), acc.precision(), acc.meanErr()/scale, bottom, top, 100*width)
		if acc.recall() < minRecallVideo || acc.precision() < minPrecisionVideo || acc.meanErr()/scale > maxMeanErrPxVideo {
			t.Errorf("%s at %.0fx: recall %.3f precision %.3f error %.1f px; want >= %.2f, >= %.2f, <= %.0f px",
				v.name, scale, acc.recall(), acc.precision(), acc.meanErr()/scale, minRecallVideo, minPrecisionVideo, maxMeanErrPxVideo)
		}
		if bottom > targetSpineErrL || top > targetSpineErrL || width > targetHalfWidthE {
			t.Errorf("%s at %.0fx: calibration off (spine %.3f/%.3f L, half width %.1f %%)", v.name, scale, bottom, top, 100*width)
		}
	}
	if n := matCount(); n != start {
		t.Errorf("Mats left open: %d", n-start)
	}
}

// TestTrackerUnderSmallChanges replays the two videos whose hands come in
// over the frame's edge most, every frame brightened by 1, 3 and 5 grey
// levels (exposure steps the eye does not see): the figures must hold. A
// tracker whose decisions hinge on the last bits of the models' outputs
// fails it: before fits to part of a hand were set apart, hands_lost's
// recall was 0.956 at 3 levels (0.974 at 1 and 5).
func TestTrackerUnderSmallChanges(t *testing.T) {
	mdir := replayModels(t)
	start := matCount()
	for _, v := range loadVideos(t) {
		if v.name != "hands_lost" && v.name != "wrong_direction" {
			continue
		}
		for _, b := range []uint8{1, 3, 5} {
			acc, _ := runVariant(t, v, 1, b, mdir)
			t.Logf("%-15s %d levels brighter: recall %.3f precision %.3f error %.1f px", v.name, b, acc.recall(), acc.precision(), acc.meanErr())
			if acc.recall() < minRecallVideo || acc.precision() < minPrecisionVideo || acc.meanErr() > maxMeanErrPxVideo {
				t.Errorf("%s %d levels brighter: recall %.3f precision %.3f error %.1f px; want >= %.2f, >= %.2f, <= %.0f px",
					v.name, b, acc.recall(), acc.precision(), acc.meanErr(), minRecallVideo, minPrecisionVideo, maxMeanErrPxVideo)
			}
		}
	}
	if n := matCount(); n != start {
		t.Errorf("Mats left open: %d", n-start)
	}
}

// replayModels skips a test that replays videos through the hybrid tracker
// with -short or without the hand models, and returns the models' folder.
func replayModels(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("replays test videos")
	}
	mdir := modelDir()
	if mdir == "" {
		t.Skip("no hand models")
	}
	return mdir
}

// runScaled replays a video with every frame scaled by scale (the way
// Replay does: calibration on the first frames, then every frame tracked)
// and scores it against the scaled truth.
func runScaled(t *testing.T, v video, scale float64, mdir string) (accuracy, models.Back) {
	t.Helper()
	return runVariant(t, v, scale, 0, mdir)
}

// runVariant is runScaled with every frame also brightened by brighten
// grey levels (saturating).
func runVariant(t *testing.T, v video, scale float64, brighten uint8, mdir string) (accuracy, models.Back) {
	t.Helper()
	src, err := vision.Open(vision.SourceSpec{File: v.path})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p, err := vision.NewProcessor(vision.Options{Head: v.truth.Head, ModelDir: mdir})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	frame := gocv.NewMat()
	defer frame.Close()
	// next reads and scales one frame into m.
	next := func(m *gocv.Mat) bool {
		if src.Read(&frame) != nil {
			return false
		}
		if scale == 1 {
			frame.CopyTo(m)
		} else {
			gocv.Resize(frame, m, image.Pt(int(float64(frame.Cols())*scale), int(float64(frame.Rows())*scale)), 0, 0, gocv.InterpolationLinear)
		}
		if brighten > 0 {
			m.AddUChar(brighten)
		}
		return true
	}
	first := make([]gocv.Mat, 60)
	defer func() {
		for i := range first {
			first[i].Close()
		}
	}()
	for i := range first {
		first[i] = gocv.NewMat()
		if !next(&first[i]) {
			t.Fatalf("%s: fewer than %d frames", v.name, len(first))
		}
	}
	if err := p.Calibrate(first); err != nil {
		t.Fatalf("%s: %v", v.name, err)
	}
	var acc accuracy
	track := func(i int, m gocv.Mat) {
		if i >= len(v.truth.Frames) {
			t.Fatalf("%s: frame %d has no truth", v.name, i)
		}
		obs, err := p.Process(m, i, float64(i)/v.truth.FPS)
		if err != nil {
			t.Fatalf("%s frame %d: %v", v.name, i, err)
		}
		var truth []models.TruthHand
		for _, h := range v.truth.Frames[i].Hands {
			h.X, h.Y = h.X*scale, h.Y*scale
			truth = append(truth, h)
		}
		matchFrame(&acc, truth, obs.Hands, v.truth.PalmWidth*scale/2)
	}
	for i, m := range first {
		track(i, m)
	}
	m := gocv.NewMat()
	defer m.Close()
	for i := len(first); next(&m); i++ {
		track(i, m)
	}
	back, _ := p.Back()
	return acc, back
}

// scaleBack scales a back's geometry (pixels) by k.
func scaleBack(b models.Back, k float64) models.Back {
	b.SpineBottom = b.SpineBottom.Scale(k)
	b.SpineTop = b.SpineTop.Scale(k)
	b.HalfWidth *= k
	return b
}
