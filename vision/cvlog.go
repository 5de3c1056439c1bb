package vision

// #cgo pkg-config: opencv4
// #cgo CXXFLAGS: -std=c++11
// #include "cvlog.h"
import "C"

import "os"

// cvLogError is cv::utils::logging::LOG_LEVEL_ERROR.
const cvLogError = 2

func init() {
	// OpenCV warns on stderr about things backcoach handles itself (a
	// GStreamer stream without a length, properties a backend ignores);
	// people see one clear line from backcoach instead. OPENCV_LOG_LEVEL,
	// when set, still wins.
	if os.Getenv("OPENCV_LOG_LEVEL") == "" {
		C.bc_opencv_log_level(cvLogError)
	}
}

// seedOpenCVRNG seeds OpenCV's random generator of the calling OS thread, so
// that what draws from it (GrabCut) gives the same answer every time. The
// caller must hold runtime.LockOSThread until its OpenCV call is done.
func seedOpenCVRNG(seed int) { C.bc_opencv_rng_seed(C.int(seed)) }
