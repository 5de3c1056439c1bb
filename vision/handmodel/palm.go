package handmodel

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"
)

const (
	palmInput = 128
	numAnchor = 896
	palmKeys  = 7
)

// Palm is one palm found by the detector, in frame pixels.
type Palm struct {
	// Score is the detector's confidence in 0..1.
	Score float64
	// Center, Width and Height give the axis-aligned palm box.
	Center        Point
	Width, Height float64
	// Keypoints are the detector's 7 palm keypoints: 0 is the wrist, 2 the
	// middle-finger knuckle.
	Keypoints [palmKeys]Point
}

// ROI is the region the landmark model should look at for this palm:
// rotated so that wrist → middle knuckle points up, moved half a box height
// toward the fingers, 2.6 times the box's long side (as in MediaPipe).
func (p Palm) ROI() ROI {
	angle := angleUp(p.Keypoints[0], p.Keypoints[2])
	return transformRect(p.Center, p.Width, p.Height, angle, 2.6, -0.5)
}

type anchor struct{ x, y float64 }

// palmAnchors lays out BlazePalm's 896 anchors: a 16×16 grid with 2 per cell,
// then an 8×8 grid with 6 per cell, row by row.
func palmAnchors() []anchor {
	out := make([]anchor, 0, numAnchor)
	for _, g := range []struct{ n, per int }{{16, 2}, {8, 6}} {
		for y := 0; y < g.n; y++ {
			for x := 0; x < g.n; x++ {
				for k := 0; k < g.per; k++ {
					out = append(out, anchor{(float64(x) + 0.5) / float64(g.n), (float64(y) + 0.5) / float64(g.n)})
				}
			}
		}
	}
	return out
}

// Detection thresholds (MediaPipe Hands' defaults).
const (
	// MinPalmScore is the lowest detector score DetectPalms keeps.
	MinPalmScore = 0.5
	// PalmNMS is the overlap (IoU) above which the weaker of two palm boxes
	// is dropped.
	PalmNMS = 0.3
)

// SetPalmThreshold sets the lowest detector score DetectPalms keeps (0 or
// less restores MinPalmScore). A caller that verifies every palm with the
// landmark model can go lower to find small or unusual hands.
func (m *Models) SetPalmThreshold(s float64) {
	if !(s > 0 && s < 1) {
		s = 0
	}
	m.minScore = s
}

func (m *Models) palmThreshold() float64 {
	if m.minScore > 0 {
		return m.minScore
	}
	return MinPalmScore
}

func sigmoid(x float64) float64 {
	x = math.Max(-100, math.Min(100, x))
	return 1 / (1 + math.Exp(-x))
}

// DetectPalmsIn runs the palm detector on the part r of a BGR frame (r is
// clipped to the frame), which it sees at a larger scale than the whole
// frame; the palms are in frame pixels.
func (m *Models) DetectPalmsIn(frame gocv.Mat, r image.Rectangle) ([]Palm, error) {
	r = r.Intersect(image.Rect(0, 0, frame.Cols(), frame.Rows()))
	if r.Dx() < 16 || r.Dy() < 16 {
		return nil, fmt.Errorf("detect palms: region %v is empty or too small", r)
	}
	sub := frame.Region(r)
	defer sub.Close()
	palms, err := m.DetectPalms(sub)
	if err != nil {
		return nil, err
	}
	dx, dy := float64(r.Min.X), float64(r.Min.Y)
	for i := range palms {
		palms[i].Center.X += dx
		palms[i].Center.Y += dy
		for k := range palms[i].Keypoints {
			palms[i].Keypoints[k].X += dx
			palms[i].Keypoints[k].Y += dy
		}
	}
	return palms, nil
}

// DetectPalms runs the palm detector on a whole BGR frame and returns the
// palms with a score of at least MinPalmScore (see SetPalmThreshold) after non-maximum suppression,
// best first.
func (m *Models) DetectPalms(frame gocv.Mat) ([]Palm, error) {
	if m == nil || m.closed {
		return nil, fmt.Errorf("detect palms: models are closed")
	}
	src, own, err := bgr(frame)
	if err != nil {
		return nil, fmt.Errorf("detect palms: %w", err)
	}
	if own {
		defer src.Close()
	}
	w, h := src.Cols(), src.Rows()
	scale := float64(palmInput) / float64(max(w, h))
	nw := max(1, min(palmInput, int(math.Round(float64(w)*scale))))
	nh := max(1, min(palmInput, int(math.Round(float64(h)*scale))))
	padX, padY := (palmInput-nw)/2, (palmInput-nh)/2

	gocv.Resize(src, &m.small, image.Pt(nw, nh), 0, 0, gocv.InterpolationArea)
	gocv.CopyMakeBorder(m.small, &m.boxed, padY, palmInput-nh-padY, padX, palmInput-nw-padX,
		gocv.BorderConstant, color.RGBA{0, 0, 0, 255})
	if err := toBlob(m.boxed, &m.boxedBlob, 127.5, 1/127.5); err != nil {
		return nil, fmt.Errorf("detect palms: %w", err)
	}

	m.palm.SetInput(m.boxedBlob, "")
	outs := m.palm.ForwardLayers([]string{"classificators", "regressors"})
	defer func() {
		for i := range outs {
			outs[i].Close()
		}
	}()
	if len(outs) != 2 {
		return nil, fmt.Errorf("detect palms: the net gave %d outputs, want 2", len(outs))
	}
	scores, err := outs[0].DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("detect palms: scores: %w", err)
	}
	regs, err := outs[1].DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("detect palms: boxes: %w", err)
	}
	if len(scores) < numAnchor || len(regs) < numAnchor*18 {
		return nil, fmt.Errorf("detect palms: outputs of %d and %d values, want %d and %d",
			len(scores), len(regs), numAnchor, numAnchor*18)
	}

	// 128-px letterbox units → frame pixels.
	toFrame := func(x, y float64) Point {
		return Point{(x*palmInput - float64(padX)) / scale, (y*palmInput - float64(padY)) / scale}
	}
	var palms []Palm
	var rects []image.Rectangle
	var confs []float32
	for i, a := range m.anchors {
		s := sigmoid(float64(scores[i]))
		if s < m.palmThreshold() {
			continue
		}
		r := regs[i*18 : i*18+18]
		p := Palm{Score: s}
		p.Center = toFrame(float64(r[0])/palmInput+a.x, float64(r[1])/palmInput+a.y)
		p.Width = float64(r[2]) / scale
		p.Height = float64(r[3]) / scale
		if !(p.Width > 0 && p.Height > 0) || math.IsNaN(p.Center.X+p.Center.Y) {
			continue
		}
		for k := 0; k < palmKeys; k++ {
			p.Keypoints[k] = toFrame(float64(r[4+2*k])/palmInput+a.x, float64(r[5+2*k])/palmInput+a.y)
		}
		palms = append(palms, p)
		rects = append(rects, image.Rect(
			int(math.Round(p.Center.X-p.Width/2)), int(math.Round(p.Center.Y-p.Height/2)),
			int(math.Round(p.Center.X+p.Width/2)), int(math.Round(p.Center.Y+p.Height/2))))
		confs = append(confs, float32(s))
	}
	if len(palms) == 0 {
		return nil, nil
	}
	keep := make([]int, len(rects))
	for i := range keep {
		keep[i] = -1
	}
	gocv.NMSBoxes(rects, confs, float32(m.palmThreshold()), float32(PalmNMS), keep)
	out := make([]Palm, 0, 4)
	for _, k := range keep {
		if k >= 0 && k < len(palms) {
			out = append(out, palms[k])
		}
	}
	return out, nil
}
