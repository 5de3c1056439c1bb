package vision_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
)

// handModels finds the hand models for the tests: $BACKCOACH_MODELS, else
// ../shared/models; it skips the test when neither is there.
func handModels(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("BACKCOACH_MODELS"); d != "" {
		return d
	}
	d := "../../shared/models"
	if _, err := os.Stat(filepath.Join(d, "hand_landmark_opencv46.onnx")); err != nil {
		t.Skipf("no hand models: %s is absent and BACKCOACH_MODELS is unset", d)
	}
	return d
}

// videosIn loads the *.mp4 videos of dir that have a truth file.
func videosIn(t testing.TB, dir string) []video {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.mp4"))
	sort.Strings(paths)
	var out []video
	for _, p := range paths {
		data, err := os.ReadFile(strings.TrimSuffix(p, ".mp4") + ".truth.json")
		if err != nil {
			continue
		}
		var tr models.Truth
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatalf("truth of %s: %v", p, err)
		}
		out = append(out, video{name: strings.TrimSuffix(filepath.Base(p), ".mp4"), path: p, truth: tr})
	}
	return out
}

// TestHybridVersusClassic replays every video of $HYBRID_VIDEOS (default
// ../testdata) with both trackers and prints their scores side by side.
func TestHybridVersusClassic(t *testing.T) {
	dir := os.Getenv("HYBRID_VIDEOS")
	if dir == "" {
		dir = "../testdata"
	}
	mdir := handModels(t)
	videos := videosIn(t, dir)
	if len(videos) == 0 {
		t.Skipf("no videos with truth in %s", dir)
	}
	start := matCount()
	var totC, totH accuracy
	for _, v := range videos {
		accC, _, _ := runVideo(t, v, vision.Options{Head: v.truth.Head, Tracker: "classic"})
		accH, _, name := runVideo(t, v, vision.Options{Head: v.truth.Head, Tracker: "hybrid", ModelDir: mdir})
		if name != "hybrid" {
			t.Fatalf("%s: tracker %q, want hybrid", v.name, name)
		}
		t.Logf("%-24s classic R %.3f P %.3f err %5.1f px | hybrid R %.3f P %.3f err %5.1f px | frames with hands %d/%d",
			v.name, accC.recall(), accC.precision(), accC.meanErr(), accH.recall(), accH.precision(), accH.meanErr(),
			accH.framesWithHands, accH.frames)
		for _, p := range []struct{ tot, acc *accuracy }{{&totC, &accC}, {&totH, &accH}} {
			p.tot.truths += p.acc.truths
			p.tot.reports += p.acc.reports
			p.tot.matched += p.acc.matched
			p.tot.errSum += p.acc.errSum
		}
		if v.truth.Scenario == "idle" && accH.framesWithHands*100 >= accH.frames {
			t.Errorf("%s: hybrid reports hands in %d of %d frames of a back-only video", v.name, accH.framesWithHands, accH.frames)
		}
	}
	t.Logf("ALL classic R %.3f P %.3f err %.1f px | hybrid R %.3f P %.3f err %.1f px",
		totC.recall(), totC.precision(), totC.meanErr(), totH.recall(), totH.precision(), totH.meanErr())
	if matProfiling {
		if n := matCount(); n != start {
			t.Errorf("Mats left open: %d", n-start)
		}
	}
}
