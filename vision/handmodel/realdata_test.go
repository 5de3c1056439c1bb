package handmodel_test

import (
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/vision/handmodel"
	"gocv.io/x/gocv"
)

// Bounds measured on asl_hand.25fps.mp4 (see the test log for the figures).
const (
	minHitRate        = 0.95 // frames with the palm centre within 0.25 palm widths
	maxMeanLandmark   = 0.10 // mean 21-landmark error, in reference palm widths (measured 0.068)
	maxMeanLandmarkPx = 12   // the same in pixels of the 620×1080 clip (measured 8.7)
)

// follow runs MediaPipe's loop on one hand: the palm detector when no hand is
// followed (or the followed one is lost), else the landmark model on the ROI
// the previous landmarks gave.
type follower struct {
	m   *handmodel.Models
	roi handmodel.ROI
	ok  bool
	// detections counts palm-detector runs.
	detections int
}

// minPresence is the landmark presence below which a followed hand is lost
// (MediaPipe's min_tracking_confidence).
const minPresence = 0.5

func (f *follower) step(tb testing.TB, frame gocv.Mat) (handmodel.Result, bool) {
	tb.Helper()
	if f.ok {
		res, err := f.m.Landmarks(frame, f.roi)
		if err != nil {
			tb.Fatal(err)
		}
		if res.Presence >= minPresence {
			f.roi = res.Next
			return res, true
		}
		f.ok = false
	}
	f.detections++
	palms, err := f.m.DetectPalms(frame)
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range palms {
		res, err := f.m.Landmarks(frame, p.ROI())
		if err != nil {
			tb.Fatal(err)
		}
		if res.Presence >= minPresence {
			f.roi, f.ok = res.Next, true
			return res, true
		}
	}
	return handmodel.Result{}, false
}

func TestRealClip(t *testing.T) {
	dir := filepath.Join(sharedDir, "realdata")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no real footage: %s is absent", dir)
	}
	ref, err := refFrames(filepath.Join(dir, "asl_hand.full.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := mustLoad(t)
	start := matCount()
	frames := readFrames(t, filepath.Join(dir, "asl_hand.25fps.mp4"), 0)
	if len(frames) != len(ref) {
		t.Logf("video has %d frames, reference %d: comparing the first %d", len(frames), len(ref), min(len(frames), len(ref)))
	}
	f := &follower{m: m}
	var withHand, found, hits int
	var lmErr, lmErrPx, centreErr []float64
	for i := 0; i < len(frames) && i < len(ref); i++ {
		res, ok := f.step(t, frames[i])
		if ref[i] == nil {
			continue
		}
		withHand++
		if !ok {
			continue
		}
		found++
		var pts [handmodel.NumLandmarks]handmodel.Point3
		for k, p := range ref[i] {
			pts[k] = handmodel.Point3{X: p[0], Y: p[1], Z: p[2]}
		}
		rc := handmodel.PalmCenterOf(pts)
		rw := handmodel.PalmWidthOf(pts)
		d := handmodel.Dist(rc, res.PalmCenter) / rw
		centreErr = append(centreErr, d)
		if d <= 0.25 {
			hits++
		}
		var sum float64
		for k := range pts {
			sum += handmodel.Dist(pts[k].XY(), res.Points[k].XY())
		}
		lmErrPx = append(lmErrPx, sum/handmodel.NumLandmarks)
		lmErr = append(lmErr, sum/handmodel.NumLandmarks/rw)
	}
	closeAll(frames)
	checkMats(t, start)
	if withHand == 0 {
		t.Fatal("the reference has no hand")
	}
	rate := float64(hits) / float64(withHand)
	t.Logf("frames with a reference hand: %d; found %d; palm centre within 0.25 palm widths: %d (%.1f %%); detector runs: %d",
		withHand, found, hits, 100*rate, f.detections)
	t.Logf("palm centre error: median %.3f, p95 %.3f, max %.3f palm widths",
		quantile(centreErr, 0.5), quantile(centreErr, 0.95), quantile(centreErr, 1))
	t.Logf("mean 21-landmark error: %.3f palm widths (%.1f px); median frame %.3f, worst frame %.3f",
		mean(lmErr), mean(lmErrPx), quantile(lmErr, 0.5), quantile(lmErr, 1))
	if rate < minHitRate {
		t.Errorf("palm centre within 0.25 palm widths in %.1f %% of frames, want ≥ %.0f %%", 100*rate, 100*minHitRate)
	}
	if e := mean(lmErr); !(e <= maxMeanLandmark) {
		t.Errorf("mean landmark error %.3f palm widths, want ≤ %.2f", e, maxMeanLandmark)
	}
	if e := mean(lmErrPx); !(e <= maxMeanLandmarkPx) {
		t.Errorf("mean landmark error %.1f px, want ≤ %d", e, maxMeanLandmarkPx)
	}
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[int(math.Round(q*float64(len(s)-1)))]
}

// TestRealClipDetector runs the palm detector alone on every 5th frame: it
// must find the hand, and the landmarks from its ROI must land on it.
func TestRealClipDetector(t *testing.T) {
	dir := filepath.Join(sharedDir, "realdata")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no real footage: %s is absent", dir)
	}
	ref, err := refFrames(filepath.Join(dir, "asl_hand.full.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := mustLoad(t)
	start := matCount()
	frames := readFrames(t, filepath.Join(dir, "asl_hand.25fps.mp4"), 0)
	defer func() { closeAll(frames); checkMats(t, start) }()
	var tried, detected, hits, extra int
	for i := 0; i < len(frames) && i < len(ref); i += 5 {
		if ref[i] == nil {
			continue
		}
		tried++
		palms, err := m.DetectPalms(frames[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(palms) == 0 {
			continue
		}
		detected++
		extra += len(palms) - 1
		var pts [handmodel.NumLandmarks]handmodel.Point3
		for k, p := range ref[i] {
			pts[k] = handmodel.Point3{X: p[0], Y: p[1], Z: p[2]}
		}
		rc, rw := handmodel.PalmCenterOf(pts), handmodel.PalmWidthOf(pts)
		res, err := m.Landmarks(frames[i], palms[0].ROI())
		if err != nil {
			t.Fatal(err)
		}
		if res.Presence > 0.9 && handmodel.Dist(rc, res.PalmCenter) <= 0.25*rw {
			hits++
		}
	}
	t.Logf("detector alone: %d of %d frames with a palm, %d extra palms; landmarks from its ROI on the palm in %d",
		detected, tried, extra, hits)
	if detected < tried*8/10 || hits < detected*9/10 {
		t.Errorf("detector found the hand in %d of %d frames and its ROI led to the palm in %d", detected, tried, hits)
	}
}

func TestLoadMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := handmodel.Load(dir)
	if err == nil {
		t.Fatal("Load of an empty folder succeeded")
	}
	for _, want := range []string{handmodel.PalmFile, handmodel.LandmarkFile, "backcoach models install"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	// A file OpenCV cannot read is an error, not a crash.
	for _, name := range []string{handmodel.PalmFile, handmodel.LandmarkFile} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("not a model"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = handmodel.Load(dir)
	if err == nil || !strings.Contains(err.Error(), handmodel.PalmFile) {
		t.Fatalf("Load of a bad file: %v, want an error naming %s", err, handmodel.PalmFile)
	}
	t.Log(err)
}

func TestBadInput(t *testing.T) {
	m := mustLoad(t)
	start := matCount()
	empty := gocv.NewMat()
	defer empty.Close()
	if _, err := m.DetectPalms(empty); err == nil {
		t.Error("DetectPalms of an empty Mat: no error")
	}
	if _, err := m.Landmarks(empty, handmodel.ROI{Center: handmodel.Point{X: 10, Y: 10}, Size: 50}); err == nil {
		t.Error("Landmarks of an empty Mat: no error")
	}
	grey := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC1)
	defer grey.Close()
	if _, err := m.DetectPalms(grey); err != nil {
		t.Errorf("DetectPalms of a grey frame: %v", err)
	}
	if _, err := m.Landmarks(grey, handmodel.ROI{Size: math.NaN()}); err == nil {
		t.Error("Landmarks with a NaN ROI: no error")
	}
	res, err := m.Landmarks(grey, handmodel.ROI{Center: handmodel.Point{X: 300, Y: -200}, Size: 80, Angle: 1})
	if err != nil {
		t.Errorf("Landmarks outside the frame: %v", err)
	} else if res.Presence > 0.5 {
		t.Errorf("a black crop has hand presence %.2f", res.Presence)
	}
	grey.Close()
	empty.Close()
	checkMats(t, start)
}

// TestDetectPalmsIn checks that a detection in a part of the frame comes
// back in frame pixels, on the hand.
func TestDetectPalmsIn(t *testing.T) {
	dir := filepath.Join(sharedDir, "realdata")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no real footage: %s is absent", dir)
	}
	m := mustLoad(t)
	start := matCount()
	frames := readFrames(t, filepath.Join(dir, "asl_hand.25fps.mp4"), 1)
	defer func() { closeAll(frames); checkMats(t, start) }()
	full, err := m.DetectPalms(frames[0])
	if err != nil || len(full) == 0 {
		t.Fatalf("no palm on the full frame: %v", err)
	}
	c := full[0].Center
	r := image.Rect(int(c.X)-250, int(c.Y)-250, int(c.X)+250, int(c.Y)+250)
	part, err := m.DetectPalmsIn(frames[0], r)
	if err != nil || len(part) == 0 {
		t.Fatalf("no palm in %v: %v", r, err)
	}
	if d := handmodel.Dist(part[0].Center, c); d > 0.25*full[0].Width {
		t.Errorf("palm in the region at %v, on the full frame at %v (%.0f px apart)", part[0].Center, c, d)
	}
	res, err := m.Landmarks(frames[0], part[0].ROI())
	if err != nil || res.Presence < 0.9 {
		t.Errorf("landmarks from the region's palm: presence %.2f, %v", res.Presence, err)
	}
	m.SetPalmThreshold(0.2)
	low, err := m.DetectPalmsIn(frames[0], r)
	m.SetPalmThreshold(0)
	if err != nil || len(low) < len(part) {
		t.Errorf("threshold 0.2: %d palms (%v), want at least the %d of threshold 0.5", len(low), err, len(part))
	}
	for _, p := range low {
		if p.Score < 0.2 {
			t.Errorf("palm of score %.2f under the threshold", p.Score)
		}
	}
	if _, err := m.DetectPalmsIn(frames[0], image.Rect(-50, -50, -10, -10)); err == nil {
		t.Error("a region outside the frame: no error")
	}
}
