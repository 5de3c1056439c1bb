package handmodel

/*
#cgo !windows pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include <stdlib.h>
#include "depthwise.h"
*/
import "C"

import (
	"sync"
	"unsafe"
)

// DepthwiseOp is the operator type that Load gives the models' depthwise
// convolutions, so that OpenCV runs them through the faster layer of
// depthwise.cpp instead of its general convolution. It is as long as
// "Conv" (onnxedit.OpLen): the model is renamed in place.
const DepthwiseOp = "BcDw"

// registerDepthwise registers the depthwise-convolution layer of
// depthwise.cpp under DepthwiseOp, once per process.
var registerDepthwise = sync.OnceFunc(func() {
	op := C.CString(DepthwiseOp)
	defer C.free(unsafe.Pointer(op))
	C.backcoach_register_depthwise(op)
})

// PointwiseOp is the operator type that Load gives the models' pointwise
// (1×1) convolutions, run by the layer of pointwise.cpp (as long as
// DepthwiseOp).
const PointwiseOp = "BcPw"

// registerPointwise registers the layer of pointwise.cpp under
// PointwiseOp, once per process.
var registerPointwise = sync.OnceFunc(func() {
	op := C.CString(PointwiseOp)
	defer C.free(unsafe.Pointer(op))
	C.backcoach_register_pointwise(op)
})

// DenseOp is the operator type that Load gives the models' dense
// convolutions of few input channels (their first layer, on the RGB
// image), run by the layer of dense.cpp (as long as DepthwiseOp).
const DenseOp = "BcCv"

// registerDense registers the layer of dense.cpp under DenseOp, once per
// process.
var registerDense = sync.OnceFunc(func() {
	op := C.CString(DenseOp)
	defer C.free(unsafe.Pointer(op))
	C.backcoach_register_dense(op)
})
