package handmodel

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"
)

const lmInput = 224

// NumLandmarks is how many landmarks the landmark model gives.
const NumLandmarks = 21

// Landmark indices of MediaPipe's hand model used here.
const (
	Wrist     = 0
	IndexMCP  = 5
	MiddleMCP = 9
	RingMCP   = 13
	PinkyMCP  = 17
)

// palmPoints are the landmarks whose mean is the palm centre.
var palmPoints = [...]int{Wrist, IndexMCP, MiddleMCP, RingMCP, PinkyMCP}

// Result is what the landmark model saw in one ROI.
type Result struct {
	// Presence is the model's confidence that a hand is in the ROI (0..1).
	Presence float64
	// Handedness is the model's handedness score (0..1; MediaPipe reads
	// values above 0.5 as a right hand in an unmirrored image).
	Handedness float64
	// Points are the 21 landmarks in frame pixels.
	Points [NumLandmarks]Point3
	// PalmCenter is the mean of landmarks 0, 5, 9, 13 and 17 (MediaPipe's
	// convention; it sits about 0.2 palm widths toward the knuckles from the
	// middle of the palm).
	PalmCenter Point
	// PalmMiddle is the midpoint of the wrist (0) and the middle-finger
	// knuckle (9): the middle of the palm's area.
	PalmMiddle Point
	// PalmWidth estimates the palm's width in frame pixels: the distance
	// from the index knuckle (5) to the pinky knuckle (17).
	PalmWidth float64
	// ROI is the region the model looked at.
	ROI ROI
	// Next is the region to look at in the next frame (MediaPipe's
	// landmarks-to-ROI rule).
	Next ROI
}

// PalmCenterOf returns the mean of landmarks 0, 5, 9, 13 and 17.
func PalmCenterOf(pts [NumLandmarks]Point3) Point {
	var c Point
	for _, i := range palmPoints {
		c.X += pts[i].X
		c.Y += pts[i].Y
	}
	n := float64(len(palmPoints))
	return Point{c.X / n, c.Y / n}
}

// PalmMiddleOf returns the midpoint of landmarks 0 (wrist) and 9 (middle
// knuckle). A palm lying flat is at least minPalmLength times as long,
// wrist to middle knuckle, as it is wide across the knuckles (index to
// little finger); when the wrist landmark sits closer to the knuckles than
// that (it slides toward them on a sleeve, at the frame's edge or on a
// rendered hand), the wrist is taken that far back along the same line.
func PalmMiddleOf(pts [NumLandmarks]Point3) Point {
	w, m := pts[Wrist].XY(), pts[MiddleMCP].XY()
	if l, pw := PalmLengthOf(pts), PalmWidthOf(pts); l > 1e-6 && l < minPalmLength*pw {
		k := minPalmLength * pw / l
		w = Point{m.X + (w.X-m.X)*k, m.Y + (w.Y-m.Y)*k}
	}
	return Point{(w.X + m.X) / 2, (w.Y + m.Y) / 2}
}

// minPalmLength is the shortest wrist-to-middle-knuckle distance of a flat
// palm, in knuckle widths. MediaPipe's own landmarks on the real clip
// (../shared/realdata) measure 1.27 in 3D at the median, 1.17 at the 10th
// percentile; on the rendered test hands the model finds about 1.05 where
// the true palm centre needs about 1.2.
const minPalmLength = 1.2

// PalmLengthOf returns the image distance from the wrist (landmark 0) to
// the middle-finger knuckle (9).
func PalmLengthOf(pts [NumLandmarks]Point3) float64 {
	return Dist(pts[Wrist].XY(), pts[MiddleMCP].XY())
}

// PalmWidthOf returns the image distance between landmarks 5 and 17.
func PalmWidthOf(pts [NumLandmarks]Point3) float64 {
	return Dist(pts[IndexMCP].XY(), pts[PinkyMCP].XY())
}

// Landmarks crops roi out of a BGR frame (rotated, 224×224, RGB, x/255),
// runs the landmark model on it and maps the landmarks back into the frame.
func (m *Models) Landmarks(frame gocv.Mat, roi ROI) (Result, error) {
	if m == nil || m.closed {
		return Result{}, errors.New("hand landmarks: models are closed")
	}
	if !roi.Valid() {
		return Result{}, fmt.Errorf("hand landmarks: invalid region %+v", roi)
	}
	src, own, err := bgr(frame)
	if err != nil {
		return Result{}, fmt.Errorf("hand landmarks: %w", err)
	}
	if own {
		defer src.Close()
	}

	// Affine map from crop pixels to frame pixels; WarpInverseMap makes
	// warpAffine use it as is.
	a := roi.Size / lmInput
	c, s := math.Cos(roi.Angle), math.Sin(roi.Angle)
	half := float64(lmInput) / 2
	aff := gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F)
	defer aff.Close()
	aff.SetDoubleAt(0, 0, a*c)
	aff.SetDoubleAt(0, 1, -a*s)
	aff.SetDoubleAt(0, 2, roi.Center.X-half*a*c+half*a*s)
	aff.SetDoubleAt(1, 0, a*s)
	aff.SetDoubleAt(1, 1, a*c)
	aff.SetDoubleAt(1, 2, roi.Center.Y-half*a*s-half*a*c)

	gocv.WarpAffineWithParams(src, &m.crop, aff, image.Pt(lmInput, lmInput),
		gocv.InterpolationLinear|gocv.WarpInverseMap, gocv.BorderConstant, color.RGBA{0, 0, 0, 255})
	if err := toBlob(m.crop, &m.cropBlob, 0, 1.0/255); err != nil {
		return Result{}, fmt.Errorf("hand landmarks: %w", err)
	}

	m.landmark.SetInput(m.cropBlob, "")
	outs := m.landmark.ForwardLayers([]string{"Identity", "Identity_1", "Identity_2"})
	defer func() {
		for i := range outs {
			outs[i].Close()
		}
	}()
	if len(outs) != 3 {
		return Result{}, fmt.Errorf("hand landmarks: the net gave %d outputs, want 3", len(outs))
	}
	var vals [3][]float32
	for i := range outs {
		v, err := outs[i].DataPtrFloat32()
		if err != nil {
			return Result{}, fmt.Errorf("hand landmarks: output %d: %w", i, err)
		}
		vals[i] = v
	}
	if len(vals[0]) < 3*NumLandmarks || len(vals[1]) < 1 || len(vals[2]) < 1 {
		return Result{}, fmt.Errorf("hand landmarks: outputs of %d, %d and %d values, want 63, 1 and 1",
			len(vals[0]), len(vals[1]), len(vals[2]))
	}
	res := Result{Presence: float64(vals[1][0]), Handedness: float64(vals[2][0]), ROI: roi}
	for i := 0; i < NumLandmarks; i++ {
		u, v, z := float64(vals[0][3*i]), float64(vals[0][3*i+1]), float64(vals[0][3*i+2])
		p := roi.ToFrame(u, v, lmInput)
		res.Points[i] = Point3{p.X, p.Y, z * a}
	}
	for _, v := range [...]float64{res.Presence, res.Handedness} {
		if math.IsNaN(v) {
			return Result{}, errors.New("hand landmarks: the net gave NaN")
		}
	}
	res.PalmCenter = PalmCenterOf(res.Points)
	res.PalmMiddle = PalmMiddleOf(res.Points)
	res.PalmWidth = PalmWidthOf(res.Points)
	res.Next = NextROI(res.Points)
	return res, nil
}

// roiPoints are the landmarks MediaPipe uses to place the next ROI (wrist,
// thumb base and the bases of the four fingers).
var roiPoints = [...]int{0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18}

// NextROI is MediaPipe's landmarks-to-ROI rule: angle from the wrist to the
// middle of the index, middle and ring knuckles, the rotated bounding box of
// the palm landmarks, moved 0.1 of its height toward the fingers, squared on
// its long side and doubled.
func NextROI(pts [NumLandmarks]Point3) ROI {
	p0 := pts[Wrist].XY()
	p1 := Point{
		((pts[IndexMCP].X+pts[RingMCP].X)/2 + pts[MiddleMCP].X) / 2,
		((pts[IndexMCP].Y+pts[RingMCP].Y)/2 + pts[MiddleMCP].Y) / 2,
	}
	angle := angleUp(p0, p1)
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, i := range roiPoints {
		minX, maxX = math.Min(minX, pts[i].X), math.Max(maxX, pts[i].X)
		minY, maxY = math.Min(minY, pts[i].Y), math.Max(maxY, pts[i].Y)
	}
	ax, ay := (minX+maxX)/2, (minY+maxY)/2
	rc, rs := math.Cos(-angle), math.Sin(-angle)
	pminX, pminY := math.Inf(1), math.Inf(1)
	pmaxX, pmaxY := math.Inf(-1), math.Inf(-1)
	for _, i := range roiPoints {
		x, y := pts[i].X-ax, pts[i].Y-ay
		px, py := x*rc-y*rs, x*rs+y*rc
		pminX, pmaxX = math.Min(pminX, px), math.Max(pmaxX, px)
		pminY, pmaxY = math.Min(pminY, py), math.Max(pmaxY, py)
	}
	pcx, pcy := (pminX+pmaxX)/2, (pminY+pmaxY)/2
	c, s := math.Cos(angle), math.Sin(angle)
	center := Point{pcx*c - pcy*s + ax, pcx*s + pcy*c + ay}
	return transformRect(center, pmaxX-pminX, pmaxY-pminY, angle, 2.0, -0.1)
}
