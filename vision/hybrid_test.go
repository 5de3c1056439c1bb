package vision_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

// handModels finds the hand models for the tests (see modelDir); it skips
// the test when there are none.
func handModels(t testing.TB) string {
	t.Helper()
	d := modelDir()
	if d == "" {
		t.Skip("no hand models: ../../shared/models is absent and BACKCOACH_MODELS is unset")
	}
	return d
}

// TestHybridRealClip runs the hybrid tracker on the real hand clip of
// ../shared/realdata (a frontal ASL hand, no back: the back is made up so
// that the expected palm width fits) and checks the reported palm centre
// against the middle of the reference palm (landmarks 0 and 9).
func TestHybridRealClip(t *testing.T) {
	dir := "../../shared/realdata"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no real footage: %s is absent", dir)
	}
	mdir := handModels(t)
	data, err := os.ReadFile(filepath.Join(dir, "asl_hand.full.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref [][][]float64
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	start := matCount()
	clip := filepath.Join(dir, "asl_hand.25fps.mp4")
	calib := readN(t, clip, 30)
	back := models.Back{SpineBottom: models.Point{X: 310, Y: 1000}, SpineTop: models.Point{X: 310, Y: 100}, HalfWidth: 250}
	h, err := vision.OpenHybridTracker(back, calib, mdir, vision.HybridConfig{})
	for i := range calib {
		calib[i].Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	src, err := vision.Open(vision.SourceSpec{File: clip})
	if err != nil {
		t.Fatal(err)
	}
	frame := gocv.NewMat()
	var withHand, hits, extra int
	var errSum float64
	for i := 0; i < len(ref); i++ {
		if err := src.Read(&frame); err != nil {
			break
		}
		hands := h.Track(frame, float64(i)/25)
		if len(ref[i]) != 21 {
			extra += len(hands)
			continue
		}
		withHand++
		mx, my := (ref[i][0][0]+ref[i][9][0])/2, (ref[i][0][1]+ref[i][9][1])/2
		pw := math.Hypot(ref[i][5][0]-ref[i][17][0], ref[i][5][1]-ref[i][17][1])
		best := math.Inf(1)
		for _, hd := range hands {
			best = math.Min(best, math.Hypot(hd.X-mx, hd.Y-my))
		}
		if best <= 0.25*pw {
			hits++
			errSum += best
		}
		if len(hands) > 1 {
			extra += len(hands) - 1
			t.Logf("frame %d: hands %+v, reference palm middle (%.0f, %.0f)", i, hands, mx, my)
		}
	}
	frame.Close()
	src.Close()
	st := h.Stats()
	h.Close()
	rate := float64(hits) / float64(max(withHand, 1))
	t.Logf("hybrid on the real clip: palm within 0.25 palm widths in %d of %d frames (%.1f %%), mean error %.1f px, %d extra hands; %d landmark passes (%v), %d detections over %d frames",
		hits, withHand, 100*rate, errSum/float64(max(hits, 1)), extra, st.Landmarks, st.Passes, st.Detections, st.Frames)
	if rate < 0.95 {
		t.Errorf("hybrid found the real hand in %.1f %% of the frames, want ≥ 95 %%", 100*rate)
	}
	if extra > 0 {
		t.Errorf("%d extra hands on a one-hand clip", extra)
	}
	if matProfiling {
		if n := matCount(); n != start {
			t.Errorf("Mats left open: %d", n-start)
		}
	}
}

// readN decodes the first n frames of a video.
func readN(t *testing.T, path string, n int) []gocv.Mat {
	t.Helper()
	src, err := vision.Open(vision.SourceSpec{File: path})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []gocv.Mat
	for len(out) < n {
		m := gocv.NewMat()
		if err := src.Read(&m); err != nil {
			m.Close()
			break
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no frames", path)
	}
	return out
}
