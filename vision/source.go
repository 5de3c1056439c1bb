package vision

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"gocv.io/x/gocv"
)

func init() {
	// FFmpeg prints its own complaints about bad files straight to stderr
	// ("moov atom not found"); backcoach says what went wrong in one line
	// instead. OPENCV_FFMPEG_LOGLEVEL=-8 (AV_LOG_QUIET) silences FFmpeg
	// unless the user asked for its logs.
	if os.Getenv("OPENCV_FFMPEG_LOGLEVEL") == "" && os.Getenv("OPENCV_FFMPEG_DEBUG") == "" {
		os.Setenv("OPENCV_FFMPEG_LOGLEVEL", "-8")
	}
}

// ErrNoFrame is returned by Source.Read when the source gave no frame (a live
// source that stalled or failed); recorded files end with io.EOF instead.
var ErrNoFrame = errors.New("no frame from source")

// SourceSpec says where frames come from. Exactly one field is set.
type SourceSpec struct {
	File     string // a video file
	Camera   int    // a camera index, used when UseCamera is true
	UseCam   bool   // open Camera
	URL      string // an http(s)/rtsp stream (e.g. a phone's MJPEG stream)
	Pipeline string // a GStreamer pipeline ending in appsink
}

// String names the source for logs and messages.
func (s SourceSpec) String() string {
	switch {
	case s.File != "":
		return s.File
	case s.UseCam:
		return "camera " + strconv.Itoa(s.Camera)
	case s.URL != "":
		return s.URL
	case s.Pipeline != "":
		return "gstreamer: " + s.Pipeline
	}
	return "no source"
}

// Live reports whether the source is a live one (camera, URL, pipeline).
func (s SourceSpec) Live() bool { return s.File == "" }

// Source is an open video source.
type Source struct {
	spec   SourceSpec
	cap    *gocv.VideoCapture
	fps    float64
	width  int
	height int
	frames int
	read   int
}

// OpenTimeout and ReadTimeout are the capture timeouts set on live streams,
// so that a lost stream does not block a read forever.
const (
	OpenTimeout = 5 * time.Second
	ReadTimeout = 3 * time.Second
)

// Open opens a source. A file is checked for existence and readability
// first, so that a missing or unreadable file gets a clear error.
func Open(spec SourceSpec) (*Source, error) {
	var (
		c   *gocv.VideoCapture
		err error
	)
	switch {
	case spec.File != "":
		st, serr := os.Stat(spec.File)
		if serr != nil {
			return nil, fmt.Errorf("open %s: %w", spec.File, serr)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("open %s: is a directory, not a video file", spec.File)
		}
		f, ferr := os.Open(spec.File)
		if ferr != nil {
			return nil, fmt.Errorf("open %s: %w", spec.File, ferr)
		}
		f.Close()
		c, err = gocv.OpenVideoCaptureWithAPI(spec.File, gocv.VideoCaptureFFmpeg)
	case spec.UseCam:
		c, err = gocv.OpenVideoCaptureWithAPI(spec.Camera, gocv.VideoCaptureV4L2)
	case spec.URL != "":
		c, err = gocv.OpenVideoCaptureWithAPI(spec.URL, gocv.VideoCaptureFFmpeg)
	case spec.Pipeline != "":
		c, err = gocv.OpenVideoCaptureWithAPI(spec.Pipeline, gocv.VideoCaptureGstreamer)
	default:
		return nil, errors.New("open: no video source given")
	}
	if err != nil || c == nil || !c.IsOpened() {
		if c != nil {
			c.Close()
		}
		return nil, fmt.Errorf("open %s: not a video this program can read", spec)
	}
	if spec.URL != "" || spec.UseCam {
		c.Set(gocv.VideoCaptureProperties(53), float64(OpenTimeout.Milliseconds())) // CAP_PROP_OPEN_TIMEOUT_MSEC
		c.Set(gocv.VideoCaptureProperties(54), float64(ReadTimeout.Milliseconds())) // CAP_PROP_READ_TIMEOUT_MSEC
	}
	s := &Source{
		spec:   spec,
		cap:    c,
		fps:    c.Get(gocv.VideoCaptureFPS),
		width:  int(c.Get(gocv.VideoCaptureFrameWidth)),
		height: int(c.Get(gocv.VideoCaptureFrameHeight)),
		frames: int(c.Get(gocv.VideoCaptureFrameCount)),
	}
	if s.fps <= 0 || s.fps > 240 || s.fps != s.fps {
		s.fps = 30
	}
	if s.width <= 0 || s.height <= 0 {
		c.Close()
		return nil, fmt.Errorf("open %s: the video has no picture size", spec)
	}
	if s.frames < 0 {
		s.frames = 0
	}
	return s, nil
}

// Spec returns what the source was opened from.
func (s *Source) Spec() SourceSpec { return s.spec }

// FPS is the source's frame rate (30 when the source does not say).
func (s *Source) FPS() float64 { return s.fps }

// Size is the frame size in pixels.
func (s *Source) Size() (width, height int) { return s.width, s.height }

// FrameCount is the number of frames the container announces (0 if unknown;
// it may differ from what decodes).
func (s *Source) FrameCount() int { return s.frames }

// Read decodes the next frame into m. It returns io.EOF at the end of a
// file and ErrNoFrame when a live source gives nothing.
func (s *Source) Read(m *gocv.Mat) error {
	if s.cap == nil {
		return io.EOF
	}
	if ok := s.cap.Read(m); !ok || m.Empty() {
		if s.spec.Live() {
			return ErrNoFrame
		}
		return io.EOF
	}
	if m.Cols() != s.width || m.Rows() != s.height {
		// Some streams change size mid-way; keep reporting what we decode.
		s.width, s.height = m.Cols(), m.Rows()
	}
	s.read++
	return nil
}

// Close releases the capture. It is safe to call more than once.
func (s *Source) Close() error {
	if s.cap == nil {
		return nil
	}
	err := s.cap.Close()
	s.cap = nil
	return err
}

// ParseCameraOrSource turns a --source value into a spec: a number is a
// camera index, a URL is a stream, anything with "!" is a GStreamer
// pipeline, and anything else a file.
func ParseCameraOrSource(v string) SourceSpec {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		return SourceSpec{Camera: n, UseCam: true}
	}
	if strings.Contains(v, "://") {
		return SourceSpec{URL: v}
	}
	if strings.Contains(v, "!") {
		return SourceSpec{Pipeline: v}
	}
	return SourceSpec{File: v}
}
