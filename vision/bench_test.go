package vision_test

import (
	"context"
	"errors"
	"io"
	"math"
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
		frames += decodeAll(b)
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
}

// decodeAll decodes benchVideo to its end and returns how many frames it
// had.
func decodeAll(b *testing.B) int {
	src, err := vision.Open(vision.SourceSpec{File: benchVideo})
	if err != nil {
		b.Skip(err)
	}
	defer src.Close()
	m := gocv.NewMat()
	defer m.Close()
	frames := 0
	for {
		if err := src.Read(&m); err != nil {
			if !errors.Is(err, io.EOF) {
				b.Fatal(err)
			}
			return frames
		}
		frames++
	}
}

// BenchmarkReplay measures the whole vision replay (decode, calibration,
// tracking) with the default tracker (hybrid when the hand models are
// found: $BACKCOACH_MODELS or ../../shared/models) in frames per second.
func BenchmarkReplay(b *testing.B) { benchReplay(b, "") }

// BenchmarkReplayClassic is BenchmarkReplay with the classic tracker.
func BenchmarkReplayClassic(b *testing.B) { benchReplay(b, "classic") }

func benchReplay(b *testing.B, tracker string) {
	frames := 0
	var last replayRun
	for i := 0; i < b.N; i++ {
		last = replayOnce(b, tracker)
		frames += last.frames
	}
	b.ReportMetric(float64(frames)/b.Elapsed().Seconds(), "frames/s")
	last.log(b)
}

// BenchmarkReplayVsDecode alternates decode-only passes, replays with the
// default tracker and replays with the classic one over the same file, so
// that all three meet the machine in the same state (its speed drifts from
// minute to minute on a shared machine), and reports the fastest pass of
// each in frames per second and the ratio of replay to decode.
func BenchmarkReplayVsDecode(b *testing.B) {
	best := [3]time.Duration{math.MaxInt64, math.MaxInt64, math.MaxInt64}
	frames := 0
	var last replayRun
	for i := 0; i < b.N; i++ {
		start := time.Now()
		frames = decodeAll(b)
		best[0] = min(best[0], time.Since(start))
		for k, tracker := range []string{"", "classic"} {
			start = time.Now()
			r := replayOnce(b, tracker)
			best[k+1] = min(best[k+1], time.Since(start))
			if k == 0 {
				last = r
			}
		}
	}
	fps := func(d time.Duration) float64 { return float64(frames) / d.Seconds() }
	b.ReportMetric(fps(best[0]), "decode-frames/s")
	b.ReportMetric(fps(best[1]), "replay-frames/s")
	b.ReportMetric(fps(best[2]), "classic-frames/s")
	b.ReportMetric(fps(best[1])/fps(best[0]), "replay/decode")
	last.log(b)
}

// replayRun is what one replay did.
type replayRun struct {
	frames  int
	tracker string
	stats   vision.HybridStats
}

// replayOnce replays benchVideo with the given tracker ("" for the
// default) and discards what it saw.
func replayOnce(b *testing.B, tracker string) replayRun {
	src, err := vision.Open(vision.SourceSpec{File: benchVideo})
	if err != nil {
		b.Skip(err)
	}
	defer src.Close()
	p, err := vision.NewProcessor(vision.Options{Tracker: tracker, ModelDir: modelDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	rs, err := vision.Replay(context.Background(), src, p, 60, func(gocv.Mat, models.FrameObs) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	return replayRun{frames: rs.Frames, tracker: p.TrackerName(), stats: p.HybridStats()}
}

// log logs the replay's tracker and, for the hybrid one, what its time
// went to.
func (r replayRun) log(b *testing.B) {
	b.Logf("tracker: %s", r.tracker)
	st := r.stats
	if st.Frames > 0 {
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
