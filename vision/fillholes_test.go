package vision_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/backcoach/backcoach/vision"
)

// referenceFillHoles is the plain flood fill the classic tracker's hole
// filling must match: each 4-connected background (0) component that
// touches no edge pixel and has fewer than maxArea pixels becomes 255.
func referenceFillHoles(fg []byte, w, h, maxArea int) {
	lab := make([]bool, w*h)
	for start := range fg {
		if fg[start] != 0 || lab[start] {
			continue
		}
		lab[start] = true
		q := []int{start}
		border := false
		for k := 0; k < len(q); k++ {
			p := q[k]
			x, y := p%w, p/w
			if x == 0 || y == 0 || x == w-1 || y == h-1 {
				border = true
			}
			for _, n := range []struct {
				ok bool
				at int
			}{{x > 0, p - 1}, {x < w-1, p + 1}, {y > 0, p - w}, {y < h-1, p + w}} {
				if n.ok && fg[n.at] == 0 && !lab[n.at] {
					lab[n.at] = true
					q = append(q, n.at)
				}
			}
		}
		if !border && len(q) < maxArea {
			for _, p := range q {
				fg[p] = 255
			}
		}
	}
}

// TestFillHolesMatchesFloodFill compares the classic tracker's hole filling
// (runs along the rows, joined with union-find) with a flood fill on
// random masks: blobs of foreground with holes of every size, some
// reaching the edge, rings, diagonal gaps (not 4-connected) and the empty
// and full masks.
func TestFillHolesMatchesFloodFill(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	filled := 0 // masks where some hole was filled
	for _, tc := range []struct {
		w, h, blobs, maxArea int
	}{
		{1, 1, 0, 10}, {5, 4, 0, 10}, {5, 4, 30, 10}, {16, 9, 6, 12},
		{40, 30, 12, 40}, {160, 120, 25, 400}, {160, 120, 80, 50}, {33, 57, 40, 1000},
	} {
		for trial := 0; trial < 20; trial++ {
			fg := make([]byte, tc.w*tc.h)
			for b := 0; b < tc.blobs; b++ {
				// a rectangle or ring of foreground, or a speck
				x0, y0 := rng.Intn(tc.w), rng.Intn(tc.h)
				x1, y1 := min(tc.w, x0+1+rng.Intn(tc.w/2+1)), min(tc.h, y0+1+rng.Intn(tc.h/2+1))
				ring := rng.Intn(2) == 0
				for y := y0; y < y1; y++ {
					for x := x0; x < x1; x++ {
						if !ring || x == x0 || x == x1-1 || y == y0 || y == y1-1 {
							fg[y*tc.w+x] = 255
						}
					}
				}
				if rng.Intn(4) == 0 {
					fg[rng.Intn(len(fg))] = 0
				}
			}
			if trial == 19 {
				for i := range fg {
					fg[i] = 255
				}
			}
			want := append([]byte(nil), fg...)
			referenceFillHoles(want, tc.w, tc.h, tc.maxArea)
			if !bytes.Equal(want, fg) {
				filled++
			}
			got := append([]byte(nil), fg...)
			vision.FillHoles(got, tc.w, tc.h, tc.maxArea)
			if !bytes.Equal(got, want) {
				t.Fatalf("%dx%d, trial %d: the filled masks differ\n%s", tc.w, tc.h, trial, fmt.Sprint(diffAt(got, want)))
			}
		}
	}
	t.Logf("%d masks had holes to fill", filled)
	if filled < 20 {
		t.Errorf("only %d masks had holes to fill: the cases do not test filling", filled)
	}
}

// diffAt lists the first indices where two masks differ.
func diffAt(a, b []byte) []int {
	var out []int
	for i := range a {
		if a[i] != b[i] && len(out) < 10 {
			out = append(out, i)
		}
	}
	return out
}
