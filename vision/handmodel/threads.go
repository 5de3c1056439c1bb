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

// checkNet loads an ONNX model with OpenCV's ONNX importer, catching the
// C++ exceptions that gocv's readers would let abort the process.
func checkNet(model []byte) error {
	if len(model) == 0 {
		return errors.New("empty file")
	}
	buf := C.CBytes(model)
	defer C.free(buf)
	msg := C.backcoach_check_net((*C.char)(buf), C.size_t(len(model)))
	if msg == nil {
		return nil
	}
	defer C.free(unsafe.Pointer(msg))
	return errors.New(strings.TrimSpace(C.GoString(msg)))
}
