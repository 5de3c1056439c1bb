package handmodel

/*
// bc_blob writes n BGR pixels (8 bits each) as three float planes, R, G
// and B, each value (v - mean) * scale: what OpenCV's blobFromImage makes
// with swapRB, in single precision as its vector code computes it.
static void bc_blob(const unsigned char* px, int n, float* out, float mean, float scale) {
    float* r = out;
    float* g = out + n;
    float* b = out + 2 * (long)n;
    for (int i = 0; i < n; i++) {
        b[i] = ((float)px[3 * i] - mean) * scale;
        g[i] = ((float)px[3 * i + 1] - mean) * scale;
        r[i] = ((float)px[3 * i + 2] - mean) * scale;
    }
}
*/
import "C"

import (
	"fmt"

	"gocv.io/x/gocv"
)

// toBlob writes a BGR image into blob, a 1×3×rows×cols float Mat it
// reuses from call to call (made on the first): RGB planes of
// (value - mean) * scale, as gocv.BlobFromImage with swapRB makes them, to
// the bit. A fresh blob every landmark pass cost page faults and three
// passes over it.
func toBlob(img gocv.Mat, blob *gocv.Mat, mean, scale float64) error {
	if img.Type() != gocv.MatTypeCV8UC3 || !img.IsContinuous() {
		return fmt.Errorf("blob: want a continuous 8-bit BGR image, not type %v", img.Type())
	}
	rows, cols := img.Rows(), img.Cols()
	if sz := blob.Size(); len(sz) != 4 || sz[1] != 3 || sz[2] != rows || sz[3] != cols || blob.Type() != gocv.MatTypeCV32F {
		blob.Close()
		*blob = gocv.NewMatWithSizes([]int{1, 3, rows, cols}, gocv.MatTypeCV32F)
	}
	px, err := img.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	out, err := blob.DataPtrFloat32()
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	n := rows * cols
	if len(px) < 3*n || len(out) < 3*n {
		return fmt.Errorf("blob: %d bytes in, room for %d floats, want %d", len(px), len(out), 3*n)
	}
	C.bc_blob((*C.uchar)(&px[0]), C.int(n), (*C.float)(&out[0]), C.float(mean), C.float(scale))
	return nil
}
