package vision

// #include "lk.h"
import "C"

import (
	"image"
	"math"
	"unsafe"

	"github.com/backcoach/backcoach/models"
	"github.com/backcoach/backcoach/vision/handmodel"
	"gocv.io/x/gocv"
)

// flowWidth is the working width of the optical flow that carries a hand
// from one landmark pass to the next.
const flowWidth = 320

// Optical flow settings: a 15-px window on a pyramid of the working image
// and 2 levels above it follows a palm moving up to about 20 px a frame at
// 640 px (the testdata videos' fastest stroke moves 11). A third level
// made the flow 17 % slower and caught no hand more: a hand that outruns
// the flow gets a landmark pass at once.
const (
	flowWin       = 15
	flowLevels    = 2
	flowMaxPoints = 30
	// flowMinPoints is how many points must still agree for the flow to
	// carry a hand; with fewer the landmark model looks again at once.
	flowMinPoints = 4
	// flowAgree is how far (working pixels) a point's motion may differ
	// from the hand's (the median) and still count as on the hand.
	flowAgree = 1.5
)

// Lucas-Kanade's iterations stop after lkIters or when a point moves
// less than lkEps pixels; points whose window has too little texture
// (minimal eigenvalue below lkMinEig) count as lost.
const (
	lkIters  = 20
	lkEps    = 0.03
	lkMinEig = 1e-3
)

// handFlow follows hands between landmark passes with sparse Lucas-Kanade
// optical flow on a small grey copy of each frame: points found on the palm
// at a landmark pass move with it, and their median motion moves the hand.
type handFlow struct {
	scale   float64 // frame pixels per working pixel
	size    image.Point
	cur     gocv.Mat // the current grey image
	small   gocv.Mat
	corners gocv.Mat
	lk      *C.BcFlow // the pyramids of the current and the previous image
	in      []float32 // all hands' points, reused from frame to frame
	out     []float32 // the points' new places, reused from frame to frame
	st      []uint8   // whether each was found
	// pending is the frame next deferred (see next), when hasPending.
	pending    gocv.Mat
	hasPending bool
}

func newHandFlow(fw, fh int) *handFlow {
	scale := math.Max(1, float64(fw)/flowWidth)
	return &handFlow{
		scale:   scale,
		size:    image.Pt(int(math.Round(float64(fw)/scale)), int(math.Round(float64(fh)/scale))),
		cur:     gocv.NewMat(),
		small:   gocv.NewMat(),
		corners: gocv.NewMat(),
		lk:      C.bc_flow_new(flowWin, flowLevels, lkIters, lkEps, lkMinEig),
	}
}

// next makes frame the current image (the last one becomes the previous).
// When lazy, the work waits until seed needs the image, and is skipped if
// no seed does before done: with no hand followed the flow costs nothing.
// frame must stay valid until done.
func (f *handFlow) next(frame gocv.Mat, lazy bool) {
	if lazy {
		f.pending, f.hasPending = frame, true
		return
	}
	f.load(frame)
}

// done ends the frame next was given.
func (f *handFlow) done() {
	f.pending, f.hasPending = gocv.Mat{}, false
}

// load makes frame the current image now.
func (f *handFlow) load(frame gocv.Mat) {
	f.hasPending = false
	if frame.Cols() == f.size.X && frame.Rows() == f.size.Y {
		gocv.CvtColor(frame, &f.cur, gocv.ColorBGRToGray)
	} else {
		gocv.CvtColor(frame, &f.small, gocv.ColorBGRToGray)
		gocv.Resize(f.small, &f.cur, f.size, 0, 0, gocv.InterpolationArea)
	}
	C.bc_flow_next(f.lk, unsafe.Pointer(f.cur.Ptr()))
}

// flowResult is what the flow made of one hand's points.
type flowResult struct {
	kept []float32    // the points that moved with the hand
	move models.Point // the hand's motion, frame pixels
	ok   bool         // enough points agreed
}

// track moves each hand's points (working pixels) from the previous image
// to the current one in one pass. For each hand it keeps the points that
// move with the majority of its points and returns the hand's motion in
// frame pixels; ok is false when too few points agree.
func (f *handFlow) track(sets [][]float32) []flowResult {
	res := make([]flowResult, len(sets))
	all := f.in[:0]
	for _, s := range sets {
		all = append(all, s...)
	}
	f.in = all
	n := len(all) / 2
	if n == 0 {
		return res
	}
	if cap(f.st) < n {
		f.out, f.st = make([]float32, 2*n), make([]uint8, n)
	}
	out, st := f.out[:2*n], f.st[:n]
	if !f.lkTrack(all, out, st) {
		return res
	}
	off := 0
	for k, s := range sets {
		m := len(s) / 2
		res[k] = f.agree(s, out[2*off:2*(off+m)], st[off:off+m])
		off += m
	}
	return res
}

// lkTrack moves the points pts (x, y pairs) from the previous image to the
// current one: out gets their new places, st 1 where each was found. It
// reports false when there is no previous image.
func (f *handFlow) lkTrack(pts, out []float32, st []uint8) bool {
	n := len(pts) / 2
	if n == 0 || len(out) < 2*n || len(st) < n {
		return false
	}
	return C.bc_flow_track(f.lk, (*C.float)(&pts[0]), C.int(n), (*C.float)(&out[0]), (*C.uchar)(&st[0])) != 0
}

// agree finds the motion most of one hand's points share.
func (f *handFlow) agree(pts, out []float32, st []uint8) flowResult {
	n := len(pts) / 2
	dx := make([]float64, 0, n)
	dy := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		if st[i] != 0 {
			dx = append(dx, float64(out[2*i]-pts[2*i]))
			dy = append(dy, float64(out[2*i+1]-pts[2*i+1]))
		}
	}
	if len(dx) < flowMinPoints {
		return flowResult{}
	}
	mx, my := median(dx), median(dy)
	var r flowResult
	var sx, sy float64
	for i := 0; i < n; i++ {
		if st[i] == 0 {
			continue
		}
		ex, ey := float64(out[2*i]-pts[2*i]), float64(out[2*i+1]-pts[2*i+1])
		x, y := out[2*i], out[2*i+1]
		if math.Hypot(ex-mx, ey-my) > flowAgree || x < 0 || y < 0 || int(x) >= f.size.X || int(y) >= f.size.Y {
			continue
		}
		r.kept = append(r.kept, x, y)
		sx += ex
		sy += ey
	}
	k := len(r.kept) / 2
	if k < flowMinPoints {
		return flowResult{}
	}
	r.move = models.Point{X: sx / float64(k) * f.scale, Y: sy / float64(k) * f.scale}
	r.ok = true
	return r
}

// seed finds points worth following on the palm of a landmark result in
// the current image: corners inside the palm's outline (wrist, thumb base
// and the four knuckles).
func (f *handFlow) seed(res handmodel.Result) []float32 {
	if f.hasPending {
		f.load(f.pending)
	}
	var poly []models.Point
	for _, i := range []int{0, 1, 5, 9, 13, 17} {
		p := res.Points[i]
		poly = append(poly, models.Point{X: p.X / f.scale, Y: p.Y / f.scale})
	}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range poly {
		x0, y0 = math.Min(x0, p.X), math.Min(y0, p.Y)
		x1, y1 = math.Max(x1, p.X), math.Max(y1, p.Y)
	}
	r := image.Rect(int(x0)-2, int(y0)-2, int(x1)+3, int(y1)+3).Intersect(image.Rect(0, 0, f.size.X, f.size.Y))
	if r.Dx() < 6 || r.Dy() < 6 || f.cur.Empty() {
		return nil
	}
	region := f.cur.Region(r)
	defer region.Close()
	gocv.GoodFeaturesToTrack(region, &f.corners, flowMaxPoints, 0.01, 2)
	c, err := f.corners.DataPtrFloat32()
	if err != nil {
		return nil
	}
	// Corners on the palm; when the palm is too smooth for enough of them,
	// corners on its outline too (the edge against the back moves with the
	// hand); then evenly spread points, which the flow drops where it
	// cannot follow them.
	pick := func(poly []models.Point) []float32 {
		var pts []float32
		for i := 0; i+1 < len(c); i += 2 {
			p := models.Point{X: float64(c[i]) + float64(r.Min.X), Y: float64(c[i+1]) + float64(r.Min.Y)}
			if insidePolygon(p, poly) {
				pts = append(pts, float32(p.X), float32(p.Y))
			}
		}
		return pts
	}
	pts := pick(poly)
	if len(pts)/2 < 2*flowMinPoints {
		pts = pick(scalePolygon(poly, 1.3))
	}
	if len(pts)/2 < 2*flowMinPoints {
		inner := scalePolygon(poly, 0.8)
		for y := 0; y < 5; y++ {
			for x := 0; x < 5; x++ {
				p := models.Point{X: x0 + (x1-x0)*(float64(x)+0.5)/5, Y: y0 + (y1-y0)*(float64(y)+0.5)/5}
				if insidePolygon(p, inner) {
					pts = append(pts, float32(p.X), float32(p.Y))
				}
			}
		}
	}
	return pts
}

// Close releases the flow's images and pyramids.
func (f *handFlow) Close() {
	for _, m := range []*gocv.Mat{&f.cur, &f.small, &f.corners} {
		m.Close()
	}
	if f.lk != nil {
		C.bc_flow_free(f.lk)
		f.lk = nil
	}
}

// scalePolygon scales a polygon about its vertices' mean.
func scalePolygon(poly []models.Point, k float64) []models.Point {
	var c models.Point
	for _, p := range poly {
		c = c.Add(p)
	}
	c = c.Scale(1 / float64(len(poly)))
	out := make([]models.Point, len(poly))
	for i, p := range poly {
		out[i] = c.Add(p.Sub(c).Scale(k))
	}
	return out
}

// insidePolygon reports whether p lies inside the polygon (even-odd rule).
func insidePolygon(p models.Point, poly []models.Point) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Y > p.Y) != (b.Y > p.Y) && p.X < (b.X-a.X)*(p.Y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}
