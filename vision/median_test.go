package vision_test

import (
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

// TestSortingNetworkSorts checks the comparisons for every count of values
// a background takes, on every string of zeros and ones (a network that
// sorts those sorts everything).
func TestSortingNetworkSorts(t *testing.T) {
	for k := 1; k <= 18; k++ {
		net := vision.SortingNetwork(k)
		v := make([]int, k)
		for bits := 0; bits < 1<<k; bits++ {
			for i := range v {
				v[i] = bits >> i & 1
			}
			for _, p := range net {
				if v[p[0]] > v[p[1]] {
					v[p[0]], v[p[1]] = v[p[1]], v[p[0]]
				}
			}
			if !sort.IntsAreSorted(v) {
				t.Fatalf("%d values: %b comes out as %v", k, bits, v)
			}
		}
	}
}

// TestMedianBackgroundIsPerPixelMedian compares the background of random
// frames with the median of each pixel's values, worked out by sorting,
// for counts of frames with and without a step between the frames used.
func TestMedianBackgroundIsPerPixelMedian(t *testing.T) {
	start := matCount()
	rng := rand.New(rand.NewSource(3))
	const w, h = 12, 8
	for _, n := range []int{1, 2, 4, 15, 16, 29, 31, 60} {
		t.Run(fmt.Sprintf("%d_frames", n), func(t *testing.T) {
			frames := make([]gocv.Mat, n)
			data := make([][]byte, n)
			for i := range frames {
				data[i] = make([]byte, w*h*3)
				rng.Read(data[i])
				m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, data[i])
				if err != nil {
					t.Fatal(err)
				}
				frames[i] = m
			}
			defer func() {
				for i := range frames {
					frames[i].Close()
				}
			}()
			bg := vision.MedianBackground(frames, w, h)
			got := bg.ToBytes()
			bg.Close()
			step := 1
			if n > 15 {
				step = n / 15
			}
			for px := 0; px < w*h*3; px++ {
				var vals []int
				for i := 0; i < n; i += step {
					vals = append(vals, int(data[i][px]))
				}
				sort.Ints(vals)
				if int(got[px]) != vals[len(vals)/2] {
					t.Fatalf("byte %d: %d, want %d (of %v)", px, got[px], vals[len(vals)/2], vals)
				}
			}
		})
	}
	if n := matCount(); n != start {
		t.Errorf("%d Mats left open", n-start)
	}
}
