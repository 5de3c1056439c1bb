package handmodel

/*
#cgo !windows pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include <stdlib.h>
#include "threads.h"
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"

	"gocv.io/x/gocv"
)

// SetThreads sets how many threads OpenCV uses (DNN inference included).
// It is process-wide, as in OpenCV; n <= 0 lets OpenCV choose.
func SetThreads(n int) {
	if n < 0 {
		n = -1
	}
	C.backcoach_set_num_threads(C.int(n))
}

// Threads reports how many threads OpenCV uses.
func Threads() int { return int(C.backcoach_get_num_threads()) }

// readNetBytes loads an ONNX model with OpenCV's ONNX importer, catching
// the C++ exceptions that gocv's readers would let abort the process, and
// hands the network to gocv (gocv.Net holds the cv::dnn::Net pointer its
// own readers make; Close deletes it).
func readNetBytes(model []byte) (gocv.Net, error) {
	if len(model) == 0 {
		return gocv.Net{}, errors.New("empty file")
	}
	var msg *C.char
	p := C.backcoach_read_net((*C.char)(unsafe.Pointer(&model[0])), C.size_t(len(model)), &msg)
	if p == nil {
		if msg == nil {
			return gocv.Net{}, errors.New("OpenCV could not read the network")
		}
		defer C.free(unsafe.Pointer(msg))
		return gocv.Net{}, errors.New(strings.TrimSpace(C.GoString(msg)))
	}
	var net gocv.Net
	*(*unsafe.Pointer)(unsafe.Pointer(&net)) = p
	return net, nil
}

// gocv.Net must be the one pointer readNetBytes sets.
var _ [unsafe.Sizeof(gocv.Net{}) - unsafe.Sizeof(unsafe.Pointer(nil))]struct{}
var _ [unsafe.Sizeof(unsafe.Pointer(nil)) - unsafe.Sizeof(gocv.Net{})]struct{}
