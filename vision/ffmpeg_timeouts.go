package vision

import (
	"fmt"
	"os"
)

// OpenCV 4.6 takes CAP_PROP_OPEN_TIMEOUT_MSEC and CAP_PROP_READ_TIMEOUT_MSEC
// only as parameters of the open itself, which gocv v0.31 cannot pass; set
// after the open (as Open does) they change nothing, and FFmpeg's own 30 s
// default applies: a stream that accepts the connection and never answers
// blocked an open for about 30 s (found by cmd/backcoach
// TestServeCameraHangsAtOpen). FFmpeg's rw_timeout bounds every network
// read of a URL source, the open's included, so such a stream fails after
// OpenTimeout instead. rtsp_transport;tcp is what OpenCV uses when this
// variable is unset. A user's own OPENCV_FFMPEG_CAPTURE_OPTIONS wins.
func init() {
	if os.Getenv("OPENCV_FFMPEG_CAPTURE_OPTIONS") == "" {
		os.Setenv("OPENCV_FFMPEG_CAPTURE_OPTIONS",
			fmt.Sprintf("rtsp_transport;tcp|rw_timeout;%d", OpenTimeout.Microseconds()))
	}
}
