package vision_test

import (
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision"
	"gocv.io/x/gocv"
)

// overlayBack is the back of the synthetic frames of the overlay tests.
var overlayBack = models.Back{SpineBottom: models.Point{X: 320, Y: 420}, SpineTop: models.Point{X: 320, Y: 90}, HalfWidth: 130}

// overlayUpdate fakes the coach's update for frame i: two hands circling up
// the back, a stroke and a feedback message now and then.
func overlayUpdate(i int, fps float64) models.Update {
	t := float64(i) / fps
	upd := models.Update{T: t, Index: i, Phase: models.PhaseAscent}
	for id, side := range []float64{-0.45, 0.45} {
		v := math.Mod(t/4, 1)
		u := side + 0.08*math.Cos(t*4)
		p := overlayBack.Point(u, v+0.03*math.Sin(t*4))
		upd.Hands = append(upd.Hands, models.HandState{ID: id, X: p.X, Y: p.Y, U: u, V: v, Phase: models.PhaseAscent})
	}
	if i == 20 {
		upd.Strokes = []models.Stroke{{Start: 0, End: t, Circles: 3, Verdicts: []models.Code{models.CodeGoodStroke}}}
		upd.Feedback = []models.Feedback{{T: t, Code: models.CodeGoodStroke, Message: models.CodeGoodStroke.Message()}}
	}
	if i == 40 {
		h := 1
		upd.Feedback = []models.Feedback{
			{T: t, Code: models.CodeTooFast, Message: models.CodeTooFast.Message(), Hand: &h},
			{T: t, Code: models.CodeNoCircles, Message: models.CodeNoCircles.Message(), Hand: &h},
		}
	}
	return upd
}

func TestOverlayWriter(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "overlay.mp4")
	before := matCount()
	const n, fps = 60, 30.0
	ow, err := vision.OpenOverlay(out, fps, 640, 480)
	if err != nil {
		t.Fatal(err)
	}
	frame := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	var shot gocv.Mat
	for i := 0; i < n; i++ {
		frame.SetTo(gocv.NewScalar(60, 70, 80, 0))
		gocv.Ellipse(&frame, image.Pt(320, 260), image.Pt(150, 190), 0, 0, 360, color.RGBA{170, 190, 225, 0}, -1)
		if err := ow.Draw(frame, overlayBack, overlayUpdate(i, fps)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the video is in place before Close")
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	frame.Close()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("want only the video in the folder, got %d entries", len(entries))
	}

	// The video decodes and has one frame per drawn frame.
	vc, err := gocv.VideoCaptureFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := gocv.NewMat()
	got := 0
	for vc.Read(&m) && !m.Empty() {
		if got == 45 {
			shot = m.Clone()
		}
		got++
	}
	m.Close()
	vc.Close()
	if got != n {
		t.Fatalf("decoded %d frames, want %d", got, n)
	}
	if !shot.Empty() {
		if err := os.MkdirAll("../artifacts", 0o755); err == nil {
			gocv.IMWrite("../artifacts/overlay-frame.png", shot)
		}
	}
	shot.Close()
	if matProfiling && matCount() != before {
		t.Fatalf("Mats leaked: %d open before, %d after", before, matCount())
	}
}

func TestOverlayWriterErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := vision.OpenOverlay(filepath.Join(dir, "no", "such", "dir", "x.mp4"), 30, 64, 48); err == nil {
		t.Fatal("want an error for a missing folder")
	}
	if _, err := vision.OpenOverlay(filepath.Join(dir, "x.mp4"), 0, 64, 48); err == nil {
		t.Fatal("want an error for fps 0")
	}
	// No frames: Close fails and leaves nothing behind.
	ow, err := vision.OpenOverlay(filepath.Join(dir, "x.mp4"), 30, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	if err := ow.Close(); err == nil {
		t.Fatal("want an error for a video without frames")
	}
	// Abort leaves nothing behind either; a frame of another size is scaled.
	ow, err = vision.OpenOverlay(filepath.Join(dir, "y.mp4"), 30, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	big := gocv.NewMatWithSize(96, 128, gocv.MatTypeCV8UC3)
	defer big.Close()
	if err := ow.Draw(big, models.Back{}, models.Update{}); err != nil {
		t.Fatal(err)
	}
	ow.Abort()
	if err := ow.Draw(big, models.Back{}, models.Update{}); err == nil {
		t.Fatal("want an error drawing after Abort")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("want an empty folder, got %d entries", len(entries))
	}
}

// BenchmarkOverlay measures drawing and encoding one 640×480 overlay frame;
// BenchmarkOverlayEncodeOnly the H.264 encoding alone, for comparison.
func BenchmarkOverlay(b *testing.B) {
	ow, err := vision.OpenOverlay(filepath.Join(b.TempDir(), "o.mp4"), 30, 640, 480)
	if err != nil {
		b.Fatal(err)
	}
	frame := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer frame.Close()
	gocv.Ellipse(&frame, image.Pt(320, 260), image.Pt(150, 190), 0, 0, 360, color.RGBA{170, 190, 225, 0}, -1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ow.Draw(frame, overlayBack, overlayUpdate(i, 30)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	ow.Close()
}

func BenchmarkOverlayEncodeOnly(b *testing.B) {
	vw, err := gocv.VideoWriterFile(filepath.Join(b.TempDir(), "e.mp4"), "avc1", 30, 640, 480, true)
	if err != nil {
		b.Fatal(err)
	}
	frame := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer frame.Close()
	gocv.Ellipse(&frame, image.Pt(320, 260), image.Pt(150, 190), 0, 0, 360, color.RGBA{170, 190, 225, 0}, -1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		gocv.Circle(&frame, image.Pt(100+i%400, 200), 20, color.RGBA{uint8(i), 0, 0, 0}, -1)
		if err := vw.Write(frame); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	vw.Close()
}
