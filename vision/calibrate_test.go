package vision_test

import (
	"testing"

	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

// TestCalibrationOnTestdata calibrates on the first two seconds of every
// testdata video (as replay does) and compares the back with the truth:
// on every video the spine endpoints within targetSpineErrL back lengths
// and the half width within targetHalfWidthE (the target).
func TestCalibrationOnTestdata(t *testing.T) {
	start := matCount()
	videos := loadVideos(t)
	for _, v := range videos {
		src, err := vision.Open(vision.SourceSpec{File: v.path})
		if err != nil {
			t.Fatal(err)
		}
		var frames []gocv.Mat
		for i := 0; i < 60; i++ {
			m := gocv.NewMat()
			if src.Read(&m) != nil {
				m.Close()
				break
			}
			frames = append(frames, m)
		}
		src.Close()
		back, err := vision.CalibrateBack(frames, v.truth.Head)
		for i := range frames {
			frames[i].Close()
		}
		if err != nil {
			t.Errorf("%s: %v", v.name, err)
			continue
		}
		eb, et, ew := backErrors(back, v.truth.Back)
		u0, v0 := v.truth.Back.UV(back.SpineBottom)
		u1, v1 := v.truth.Back.UV(back.SpineTop)
		t.Logf("%-22s W at (u %+.2f, v %+.2f), N at (u %+.2f, v %.2f), H %3.0f (true %3.0f) | spine bottom %.3f L, top %.3f L, half width %4.1f%%",
			v.name, u0, v0, u1, v1, back.HalfWidth, v.truth.Back.HalfWidth, eb, et, 100*ew)
		if eb > targetSpineErrL || et > targetSpineErrL || ew > targetHalfWidthE {
			t.Errorf("%s: calibration off: spine bottom %.3f L, top %.3f L (max %.2f), half width %.1f%% (max %.0f%%)",
				v.name, eb, et, targetSpineErrL, 100*ew, 100*targetHalfWidthE)
		}
	}
	if n := matCount(); n != start {
		t.Errorf("Mats left open: %d", n-start)
	}
}

// TestRelabelled checks how GrabCut's convergence is measured: sure and
// probable body (1, 3) are both body, sure and probable surroundings (0, 2)
// both surroundings.
func TestRelabelled(t *testing.T) {
	for _, c := range []struct {
		a, b []byte
		want int
	}{
		{[]byte{0, 1, 2, 3}, []byte{0, 1, 2, 3}, 0},
		{[]byte{0, 1, 2, 3}, []byte{1, 0, 3, 2}, 4},
		{[]byte{1, 3, 0, 2}, []byte{3, 1, 2, 0}, 0},
		{[]byte{3, 3, 2}, []byte{2, 3, 3}, 2},
		{nil, nil, 0},
	} {
		if got := vision.Relabelled(c.a, c.b); got != c.want {
			t.Errorf("relabelled(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
