package handmodel_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/backcoach/backcoach/vision/handmodel"
	"gocv.io/x/gocv"
)

// sharedDir is ../shared seen from this package.
const sharedDir = "../../../shared"

// modelDir finds the edited models: $BACKCOACH_MODELS, else ../shared/models.
// It skips the test when neither is there.
func modelDir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("BACKCOACH_MODELS"); d != "" {
		return d
	}
	d := filepath.Join(sharedDir, "models")
	if _, err := os.Stat(d); err != nil {
		tb.Skipf("no hand models: %s is absent and BACKCOACH_MODELS is unset", d)
	}
	return d
}

// mustLoad loads the models or fails the test.
func mustLoad(tb testing.TB) *handmodel.Models {
	tb.Helper()
	m, err := handmodel.Load(modelDir(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// checkMats fails the test when Mats opened since start are still open
// (only with -tags matprofile).
func checkMats(tb testing.TB, start int) {
	tb.Helper()
	if start < 0 {
		return
	}
	if n := matCount(); n != start {
		tb.Errorf("%d Mats left open:\n%s", n-start, matStacks())
	}
}

// readFrames decodes up to n frames of a video (all when n <= 0).
func readFrames(tb testing.TB, path string, n int) []gocv.Mat {
	tb.Helper()
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer vc.Close()
	var out []gocv.Mat
	for n <= 0 || len(out) < n {
		m := gocv.NewMat()
		if !vc.Read(&m) || m.Empty() {
			m.Close()
			break
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		tb.Fatalf("%s: no frames", path)
	}
	return out
}

func closeAll(ms []gocv.Mat) {
	for i := range ms {
		ms[i].Close()
	}
}

// refFrames reads a MediaPipe keypoint file: per frame, 21 [x, y, z] or an
// empty list / null when there is no hand.
func refFrames(path string) ([][]([3]float64), error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw [][][]float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([][][3]float64, len(raw))
	for i, f := range raw {
		if len(f) == 0 {
			continue
		}
		if len(f) != handmodel.NumLandmarks {
			return nil, fmt.Errorf("%s: frame %d has %d keypoints, want 21", path, i, len(f))
		}
		out[i] = make([][3]float64, len(f))
		for k, p := range f {
			if len(p) < 2 {
				return nil, fmt.Errorf("%s: frame %d keypoint %d has %d values", path, i, k, len(p))
			}
			copy(out[i][k][:], p)
		}
	}
	return out, nil
}
