package vision_test

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

// benchVideo is the video the replay benchmarks read: $BENCH_VIDEO or the
// correct-session test video.
var benchVideo = func() string {
	if v := os.Getenv("BENCH_VIDEO"); v != "" {
		return v
	}
	return "../testdata/correct.mp4"
}()

// BenchmarkDecode measures decode-only throughput: the physical limit of a
// replay. It reports frames per second.
func BenchmarkDecode(b *testing.B) {
	frames := 0
	for i := 0; i < b.N; i++ {
		src, err := vision.Open(vision.SourceSpec{File: benchVideo})
		if err != nil {
			b.Skip(err)
		}
		m := gocv.NewMat()
		for {
			if err := src.Read(&m); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
			frames++
		}
		m.Close()
		src.Close()
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkReplay measures the whole vision replay (decode, calibration,
// tracking) with the default tracker (hybrid when the hand models are
// found: $BACKCOACH_MODELS or ../../shared/models) in frames per second.
func BenchmarkReplay(b *testing.B) { benchReplay(b, "") }

// BenchmarkReplayClassic is BenchmarkReplay with the classic tracker.
func BenchmarkReplayClassic(b *testing.B) { benchReplay(b, "classic") }

func benchReplay(b *testing.B, tracker string) {
	frames := 0
	name := ""
	var st vision.HybridStats
	for i := 0; i < b.N; i++ {
		src, err := vision.Open(vision.SourceSpec{File: benchVideo})
		if err != nil {
			b.Skip(err)
		}
		p, err := vision.NewProcessor(vision.Options{Tracker: tracker, ModelDir: modelDir()})
		if err != nil {
			b.Fatal(err)
		}
		rs, err := vision.Replay(context.Background(), src, p, 60, func(gocv.Mat, models.FrameObs) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		frames += rs.Frames
		name = p.TrackerName()
		st = p.HybridStats()
		p.Close()
		src.Close()
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
	b.Logf("tracker: %s", name)
	if st.Frames > 0 {
		// The hybrid tracker's work in the last replay: what the time goes to.
		b.Logf("landmark passes %.3f/frame (%.1f ms each; %d fitted part of a hand), detections %.3f/frame (%.1f ms each), classic %.2f ms/frame, flow %.2f ms/frame, passes by purpose %v, new-hand tries %v",
			float64(st.Landmarks)/float64(st.Frames), ms(st.Landmark, st.Landmarks), st.Partial,
			float64(st.Detections)/float64(st.Frames), ms(st.Detect, st.Detections),
			ms(st.Proposals, st.Frames), ms(st.Flow, st.Frames), st.Passes, st.Tries)
	}
}

// ms is d divided by n, in milliseconds (0 when n is 0).
func ms(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return d.Seconds() * 1000 / float64(n)
}
