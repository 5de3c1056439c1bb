package handmodel_test

import (
	"fmt"
	"image"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/backcoach/backcoach/vision/handmodel"
	"gocv.io/x/gocv"
)

// benchFrame is a 640×480 frame of the real clip (the hand in view).
func benchFrame(b *testing.B) gocv.Mat {
	b.Helper()
	frames := readFrames(b, filepath.Join(sharedDir, "realdata", "asl_hand.25fps.mp4"), 1)
	defer closeAll(frames)
	out := gocv.NewMat()
	gocv.Resize(frames[0], &out, image.Pt(640, 480), 0, 0, gocv.InterpolationArea)
	return out
}

// cpuTime is the CPU time the process has used (all threads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStages times the palm detector and one landmark pass on a
// 640×480 frame with 1 and 2 OpenCV threads: wall ms and CPU ms (all
// threads) per run; on a loaded machine the CPU figure is the steadier one.
func BenchmarkStages(b *testing.B) {
	m := mustLoad(b)
	frame := benchFrame(b)
	defer frame.Close()
	palms, err := m.DetectPalms(frame)
	if err != nil || len(palms) == 0 {
		b.Fatalf("no palm in the bench frame: %v", err)
	}
	roi := palms[0].ROI()
	prev := handmodel.Threads()
	defer handmodel.SetThreads(prev)
	for _, threads := range []int{1, 2} {
		handmodel.SetThreads(threads)
		b.Run(fmt.Sprintf("detect/threads=%d", threads), func(b *testing.B) {
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				if _, err := m.DetectPalms(frame); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/detect")
			b.ReportMetric((cpuTime()-cpu).Seconds()*1000/float64(b.N), "cpu-ms/detect")
		})
		b.Run(fmt.Sprintf("landmark/threads=%d", threads), func(b *testing.B) {
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				if _, err := m.Landmarks(frame, roi); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/landmark")
			b.ReportMetric((cpuTime()-cpu).Seconds()*1000/float64(b.N), "cpu-ms/landmark")
		})
	}
}
