package handmodel_test

import (
	"fmt"
	"image"
	"math"
	"math/rand"
	"testing"

	"github.com/backcoach/backcoach/vision/handmodel"
	"gocv.io/x/gocv"
)

// TestBlobMatchesOpenCV compares the models' input blobs with what
// OpenCV's blobFromImage makes of the same random images, bit for bit, for
// both models' scalings, sizes with and without a vector tail, and a blob
// reused at another size.
func TestBlobMatchesOpenCV(t *testing.T) {
	start := matCount()
	rng := rand.New(rand.NewSource(4))
	blob := gocv.NewMat()
	for _, tc := range []struct {
		rows, cols  int
		mean, scale float64
	}{
		{224, 224, 0, 1.0 / 255},
		{128, 128, 127.5, 1 / 127.5},
		{7, 13, 127.5, 1 / 127.5},
		{224, 224, 0, 1.0 / 255},
		{1, 1, 0, 1.0 / 255},
	} {
		t.Run(fmt.Sprintf("%dx%d_mean%g", tc.cols, tc.rows, tc.mean), func(t *testing.T) {
			px := make([]byte, tc.rows*tc.cols*3)
			rng.Read(px)
			img, err := gocv.NewMatFromBytes(tc.rows, tc.cols, gocv.MatTypeCV8UC3, px)
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			if err := handmodel.ToBlob(img, &blob, tc.mean, tc.scale); err != nil {
				t.Fatal(err)
			}
			want := gocv.BlobFromImage(img, tc.scale, image.Pt(tc.cols, tc.rows),
				gocv.NewScalar(tc.mean, tc.mean, tc.mean, 0), true, false)
			defer want.Close()
			if got, exp := blob.Size(), want.Size(); fmt.Sprint(got) != fmt.Sprint(exp) {
				t.Fatalf("blob of size %v, want %v", got, exp)
			}
			g, _ := blob.DataPtrFloat32()
			w, _ := want.DataPtrFloat32()
			for i := range w {
				if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
					t.Fatalf("value %d: %v, want %v", i, g[i], w[i])
				}
			}
		})
	}
	img := gocv.NewMatWithSize(4, 4, gocv.MatTypeCV8UC1)
	if err := handmodel.ToBlob(img, &blob, 0, 1); err == nil {
		t.Error("a grey image made a blob")
	}
	img.Close()
	blob.Close()
	checkMats(t, start)
}
