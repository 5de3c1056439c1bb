package vision_test

import (
	"testing"

	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

// TestCalibrationOnTestdata calibrates on the first two seconds of every
// testdata video (as replay does) and compares the back with the truth:
// spine endpoints within maxSpineErrL back lengths, half width within
// maxHalfWidthE. It prints how many videos meet the tighter target.
func TestCalibrationOnTestdata(t *testing.T) {
	start := matCount()
	videos := loadVideos(t)
	onTarget := 0
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
		if eb <= targetSpineErrL && et <= targetSpineErrL && ew <= targetHalfWidthE {
			onTarget++
		}
		if eb > maxSpineErrL || et > maxSpineErrL || ew > maxHalfWidthE {
			t.Errorf("%s: calibration off: spine bottom %.3f L, top %.3f L (max %.2f), half width %.1f%% (max %.0f%%)",
				v.name, eb, et, maxSpineErrL, 100*ew, 100*maxHalfWidthE)
		}
	}
	t.Logf("%d of %d videos within the target (spine endpoints <= %.2f L, half width <= %.0f%%)",
		onTarget, len(videos), targetSpineErrL, 100*targetHalfWidthE)
	if n := matCount(); n != start {
		t.Errorf("Mats left open: %d", n-start)
	}
}
