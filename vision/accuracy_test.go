package vision_test

import (
	"context"
	"encoding/json"
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

func TestTrackerAccuracyOnTestdata(t *testing.T) {
	start := matCount()
	videos := loadVideos(t)
	var total accuracy
	for _, v := range videos {
		acc, back, tracker := runVideo(t, v, vision.Options{Head: v.truth.Head, Tracker: "classic"})
		eb, et, ew := backErrors(back, v.truth.Back)
		u0, v0 := v.truth.Back.UV(back.SpineBottom)
		u1, v1 := v.truth.Back.UV(back.SpineTop)
		t.Logf("%-22s calibrated W at (u %.2f, v %.2f), N at (u %.2f, v %.2f), H %.0f (true %.0f)", v.name, u0, v0, u1, v1, back.HalfWidth, v.truth.Back.HalfWidth)
		t.Logf("%-22s %s recall %.3f precision %.3f error %.1f px | spine bottom %.3f L top %.3f L half width %.1f%%",
			v.name, tracker, acc.recall(), acc.precision(), acc.meanErr(), eb, et, 100*ew)
		if v.truth.Scenario == "idle" {
			noHands := 1 - float64(acc.framesWithHands)/float64(acc.frames)
			t.Logf("%-22s frames without hands: %.1f%%", v.name, 100*noHands)
			if noHands < 0.99 {
				t.Errorf("%s: hands reported in %.1f%% of the frames of a back-only video", v.name, 100*(1-noHands))
			}
		}
		if eb > 0.05 || et > 0.05 || ew > 0.10 {
			t.Errorf("%s: calibration off: spine bottom %.3f L, top %.3f L, half width %.1f%%", v.name, eb, et, 100*ew)
		}
		total.truths += acc.truths
		total.reports += acc.reports
		total.matched += acc.matched
		total.errSum += acc.errSum
	}
	t.Logf("ALL recall %.3f precision %.3f error %.1f px", total.recall(), total.precision(), total.meanErr())
	if n := matCount(); n != start {
		t.Errorf("Mats left open: %d", n-start)
	}
}
