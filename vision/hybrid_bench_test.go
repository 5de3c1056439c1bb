package vision_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"github.com/backcoach/backcoach/vision/handmodel"
	"gocv.io/x/gocv"
)

// cpuTime is the CPU time the process has used (all threads).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchFrames decodes up to n frames of the bench video (frames in memory,
// so decoding is not timed).
func benchFrames(b *testing.B, n int) []gocv.Mat {
	b.Helper()
	src, err := vision.Open(vision.SourceSpec{File: benchVideo})
	if err != nil {
		b.Skip(err)
	}
	defer src.Close()
	var out []gocv.Mat
	for len(out) < n {
		m := gocv.NewMat()
		if err := src.Read(&m); err != nil {
			m.Close()
			if !errors.Is(err, io.EOF) {
				b.Fatal(err)
			}
			break
		}
		out = append(out, m)
	}
	if len(out) < 60 {
		b.Skipf("%s: only %d frames", benchVideo, len(out))
	}
	return out
}

// BenchmarkTrackers replays the bench video's frames (640×480) through the
// classic and the hybrid tracker with 1 and 2 OpenCV threads and reports
// frames per second, CPU ms per frame and, for hybrid, ms per stage.
func BenchmarkTrackers(b *testing.B) {
	frames := benchFrames(b, 300)
	defer func() {
		for i := range frames {
			frames[i].Close()
		}
	}()
	back, err := vision.CalibrateBack(frames[:30], models.HeadTop)
	if err != nil {
		b.Skipf("bench video: %v", err)
	}
	mdir := os.Getenv("BACKCOACH_MODELS")
	if mdir == "" {
		mdir = "../../shared/models"
	}
	prev := handmodel.Threads()
	defer handmodel.SetThreads(prev)
	for _, threads := range []int{1, 2} {
		for _, name := range []string{"classic", "hybrid"} {
			b.Run(fmt.Sprintf("%s/threads=%d", name, threads), func(b *testing.B) {
				handmodel.SetThreads(threads)
				var st vision.HybridStats
				n := 0
				var elapsed, cpu time.Duration
				for i := 0; i < b.N; i++ {
					var tr vision.Tracker
					var hy *vision.HybridTracker
					if name == "classic" {
						tr = vision.NewClassicTracker(back, frames[:30])
					} else {
						h, err := vision.OpenHybridTracker(back, frames[:30], mdir, vision.HybridConfig{})
						if err != nil {
							b.Skip(err)
						}
						tr, hy = h, h
					}
					c0, t0 := cpuTime(), time.Now()
					for k, f := range frames {
						tr.Track(f, float64(k)/30)
					}
					elapsed += time.Since(t0)
					cpu += cpuTime() - c0
					n += len(frames)
					if hy != nil {
						s := hy.Stats()
						st.Frames += s.Frames
						st.Proposals += s.Proposals
						st.Detections += s.Detections
						st.Detect += s.Detect
						st.Landmarks += s.Landmarks
						st.Landmark += s.Landmark
					}
					tr.Close()
				}
				b.ReportMetric(float64(n)/elapsed.Seconds(), "frames/s")
				b.ReportMetric(cpu.Seconds()*1000/float64(n), "cpu-ms/frame")
				if st.Frames > 0 {
					ms := func(d time.Duration, k int) float64 {
						if k == 0 {
							return 0
						}
						return d.Seconds() * 1000 / float64(k)
					}
					b.ReportMetric(ms(st.Proposals, st.Frames), "ms/proposals")
					b.ReportMetric(ms(st.Detect, st.Detections), "ms/detect")
					b.ReportMetric(ms(st.Landmark, st.Landmarks), "ms/landmark")
					b.ReportMetric(float64(st.Landmarks)/float64(st.Frames), "landmarks/frame")
					b.ReportMetric(float64(st.Detections)/float64(st.Frames), "detects/frame")
				}
			})
		}
	}
}
