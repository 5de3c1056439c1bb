package vision_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

// mjpegServer serves n JPEG frames as a multipart MJPEG stream on loopback,
// the way a phone camera app does, then ends the stream.
func mjpegServer(t *testing.T, n int) string {
	t.Helper()
	m := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
	m.SetTo(gocv.NewScalar(40, 120, 200, 0))
	jpg, err := vision.EncodeJPEG(m, 80)
	m.Close()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
		for i := 0; i < n; i++ {
			fmt.Fprintf(w, "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(jpg))
			w.Write(jpg)
			fmt.Fprint(w, "\r\n")
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			time.Sleep(5 * time.Millisecond)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/video.mjpg"
}

// TestSources opens every kind of source and reads frames from it.
func TestSources(t *testing.T) {
	start := matCount()
	dir := t.TempDir()
	file := filepath.Join(dir, "clip.mp4")
	w, err := gocv.VideoWriterFile(file, "avc1", 30, 160, 120, true)
	if err != nil {
		t.Fatal(err)
	}
	m := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
	for i := 0; i < 20; i++ {
		m.SetTo(gocv.NewScalar(float64(10*i), 100, 50, 0))
		w.Write(m)
	}
	m.Close()
	w.Close()

	cases := []struct {
		name      string
		spec      vision.SourceSpec
		minFrames int
		w, h      int
	}{
		{"file", vision.SourceSpec{File: file}, 20, 160, 120},
		{"gstreamer", vision.ParseCameraOrSource("videotestsrc num-buffers=15 ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! appsink"), 15, 320, 240},
		{"mjpeg url", vision.ParseCameraOrSource(mjpegServer(t, 12)), 10, 160, 120},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := vision.Open(tc.spec)
			if err != nil {
				t.Fatalf("open %s: %v", tc.spec, err)
			}
			defer src.Close()
			frame := gocv.NewMat()
			defer frame.Close()
			n := 0
			for n < 100 {
				if err := src.Read(&frame); err != nil {
					if !errors.Is(err, io.EOF) && !errors.Is(err, vision.ErrNoFrame) {
						t.Fatal(err)
					}
					break
				}
				if frame.Cols() != tc.w || frame.Rows() != tc.h {
					t.Fatalf("frame %d is %dx%d, want %dx%d", n, frame.Cols(), frame.Rows(), tc.w, tc.h)
				}
				n++
			}
			if n < tc.minFrames {
				t.Errorf("read %d frames, want at least %d", n, tc.minFrames)
			}
			if sw, sh := src.Size(); sw != tc.w || sh != tc.h {
				t.Errorf("size %dx%d, want %dx%d", sw, sh, tc.w, tc.h)
			}
		})
	}
	if n := matCount(); n != start {
		t.Errorf("Mats left open: %d", n-start)
	}
}

// TestOpenErrors: what cannot be opened says why, in one line.
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.mp4")
	os.WriteFile(text, []byte("hello"), 0o644)
	for _, spec := range []vision.SourceSpec{
		{File: filepath.Join(dir, "missing.mp4")},
		{File: text},
		{File: dir},
		{},
		vision.ParseCameraOrSource("http://127.0.0.1:1/nothing-here"),
	} {
		src, err := vision.Open(spec)
		if err == nil {
			src.Close()
			t.Errorf("open %s: no error", spec)
			continue
		}
		if msg := err.Error(); msg == "" || len(msg) > 300 {
			t.Errorf("open %s: unclear error %q", spec, msg)
		}
	}
}

func TestParseCameraOrSource(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want vision.SourceSpec
	}{
		{"0", vision.SourceSpec{Camera: 0, UseCam: true}},
		{"2", vision.SourceSpec{Camera: 2, UseCam: true}},
		{"rtsp://phone.local/live", vision.SourceSpec{URL: "rtsp://phone.local/live"}},
		{"videotestsrc ! appsink", vision.SourceSpec{Pipeline: "videotestsrc ! appsink"}},
		{"clip.mp4", vision.SourceSpec{File: "clip.mp4"}},
	} {
		if got := vision.ParseCameraOrSource(tc.in); got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
