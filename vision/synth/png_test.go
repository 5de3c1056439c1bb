package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/models"
)

// TestWritePNGs writes snapshots for looking at the scene when SYNTH_PNG is a
// directory: SYNTH_PNG=/tmp/s SYNTH_SPEC=correct:1:top:2,5,8 go test -run PNG
func TestWritePNGs(t *testing.T) {
	dir := os.Getenv("SYNTH_PNG")
	if dir == "" {
		t.Skip("set SYNTH_PNG=DIR (and SYNTH_SPEC=scenario:seed:head:t1,t2;...) to write snapshots")
	}
	spec := os.Getenv("SYNTH_SPEC")
	if spec == "" {
		spec = "correct:1:top:2,5,8"
	}
	for _, one := range strings.Split(spec, ";") {
		f := strings.Split(one, ":")
		if len(f) != 4 {
			t.Fatalf("bad spec %q", one)
		}
		seed, _ := strconv.ParseInt(f[1], 10, 64)
		s := mustPlan(t, Options{Scenario: f[0], Seed: seed, Head: models.Head(f[2])})
		for _, ts := range strings.Split(f[3], ",") {
			sec, _ := strconv.ParseFloat(ts, 64)
			i := min(int(sec*s.Opts.FPS), s.Frames()-1)
			name := filepath.Join(dir, fmt.Sprintf("%s_%d_%s_%04d.png", f[0], seed, f[2], i))
			if err := s.WritePNG(i, name); err != nil {
				t.Fatal(err)
			}
		}
	}
}
