package synth

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/backcoach/backcoach/internal/atomicfile"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"gocv.io/x/gocv"
)

// TruthPath returns the truth file path for a video path: NAME.truth.json
// beside NAME.mp4.
func TruthPath(video string) string {
	return strings.TrimSuffix(video, filepath.Ext(video)) + ".truth.json"
}

// Write renders the session to an H.264 video at path (written to a temporary
// file in the same directory, then renamed) and its truth to TruthPath(path).
func (s *Session) Write(ctx context.Context, path string) error {
	dir := filepath.Dir(path)
	base := filepath.Base(path)
	tmp, err := os.CreateTemp(dir, "."+strings.TrimSuffix(base, filepath.Ext(base))+".*.tmp.mp4")
	if err != nil {
		return fmt.Errorf("synth: create temporary video in %s: %w", dir, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmpName)
		}
	}()
	w, h := s.Opts.Width, s.Opts.Height
	vw, err := gocv.VideoWriterFile(tmpName, "avc1", s.Opts.FPS, w, h, true)
	if err != nil {
		return fmt.Errorf("synth: open video writer %s: %w", tmpName, err)
	}
	if !vw.IsOpened() {
		vw.Close()
		return fmt.Errorf("synth: video writer for %s did not open (H.264 encoder missing?)", tmpName)
	}
	buf := make([]byte, 3*w*h)
	mat := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	defer mat.Close()
	for i := 0; i < s.Frames(); i++ {
		if err := ctx.Err(); err != nil {
			vw.Close()
			return err
		}
		if err := s.RenderFrame(i, buf); err != nil {
			vw.Close()
			return err
		}
		data, err := mat.DataPtrUint8()
		if err != nil {
			vw.Close()
			return fmt.Errorf("synth: frame buffer: %w", err)
		}
		copy(data, buf)
		if err := vw.Write(mat); err != nil {
			vw.Close()
			return fmt.Errorf("synth: write frame %d: %w", i, err)
		}
	}
	if err := vw.Close(); err != nil {
		return fmt.Errorf("synth: close video %s: %w", tmpName, err)
	}
	if err := writeTruth(s, TruthPath(path)); err != nil {
		return err
	}
	if err := os.Chmod(tmpName, 0o644); err != nil {
		return fmt.Errorf("synth: chmod %s: %w", tmpName, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("synth: rename %s to %s: %w", tmpName, path, err)
	}
	ok = true
	return nil
}

func writeTruth(s *Session, path string) error {
	data, err := json.Marshal(s.Truth)
	if err != nil {
		return fmt.Errorf("synth: encode truth: %w", err)
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("synth: truth: %w", err)
	}
	return nil
}

// WritePNG renders frame i to a PNG file (for looking at the scene).
func (s *Session) WritePNG(i int, path string) error {
	w, h := s.Opts.Width, s.Opts.Height
	buf := make([]byte, 3*w*h)
	if err := s.RenderFrame(i, buf); err != nil {
		return err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for j := 0; j < w*h; j++ {
		img.Pix[4*j] = buf[3*j+2]
		img.Pix[4*j+1] = buf[3*j+1]
		img.Pix[4*j+2] = buf[3*j]
		img.Pix[4*j+3] = 255
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("synth: create %s: %w", path, err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("synth: encode %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("synth: close %s: %w", path, err)
	}
	return nil
}
