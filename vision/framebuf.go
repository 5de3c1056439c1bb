package vision

// #include <stdlib.h>
// #include <sys/mman.h>
//
// // bc_alloc_huge allocates n bytes, left untouched, that the kernel may
// // back with 2 MiB pages (transparent huge pages) when it first touches
// // them; free them with free. NULL when out of memory.
// static void* bc_alloc_huge(size_t n) {
//     const size_t huge = (size_t)2 << 20;
//     void* p = NULL;
//     if (posix_memalign(&p, huge, n) != 0) return NULL;
// #ifdef MADV_HUGEPAGE
//     if (n >= huge) madvise(p, n / huge * huge, MADV_HUGEPAGE);
// #endif
//     return p;
// }
import "C"

import (
	"fmt"
	"unsafe"

	"gocv.io/x/gocv"
)

// frameBuffer holds n frames of one size in one block of memory. A replay
// keeps its first seconds of frames for calibration; read into n separate
// Mats, their memory is touched for the first time page by page, which
// cost about as much as decoding them here (60 frames: about 200 ms
// against 55 ms). One block backed by huge pages where the system has
// them is mostly spared that.
type frameBuffer struct {
	mem    unsafe.Pointer
	block  gocv.Mat   // n*rows × cols
	frames []gocv.Mat // views of block, one per frame
}

// newFrameBuffer makes room for n frames of rows×cols of type typ (8-bit
// channels). Each frame is a view of one block; reading a frame of another
// size into a view gives that view its own memory, as with any Mat.
func newFrameBuffer(n, rows, cols int, typ gocv.MatType) (*frameBuffer, error) {
	// OpenCV's type code: the depth in the low 3 bits (0 for 8 bits), the
	// channels less one above them
	size := n * rows * cols * (int(typ)>>3 + 1)
	if size <= 0 || int(typ)&7 != 0 {
		return nil, fmt.Errorf("frame buffer: %d frames of %dx%d", n, cols, rows)
	}
	p := C.bc_alloc_huge(C.size_t(size))
	if p == nil {
		return nil, fmt.Errorf("frame buffer: out of memory for %d frames of %dx%d", n, cols, rows)
	}
	block, err := gocv.NewMatFromBytes(n*rows, cols, typ, unsafe.Slice((*byte)(p), size))
	if err != nil {
		C.free(p)
		return nil, fmt.Errorf("frame buffer: %w", err)
	}
	b := &frameBuffer{mem: p, block: block, frames: make([]gocv.Mat, n)}
	for i := range b.frames {
		b.frames[i] = block.RowRange(i*rows, (i+1)*rows)
	}
	return b, nil
}

// Close releases the frames and their memory.
func (b *frameBuffer) Close() {
	closeMats(b.frames)
	b.frames = nil
	b.block.Close()
	C.free(b.mem)
	b.mem = nil
}
