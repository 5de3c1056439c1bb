package handmodel

import "math"

// Point is a position in pixels of the frame.
type Point struct{ X, Y float64 }

// Point3 is a landmark: X, Y in pixels of the frame, Z the relative depth in
// the same scale as X (smaller is nearer the camera), as MediaPipe gives it.
type Point3 struct{ X, Y, Z float64 }

// XY drops the depth.
func (p Point3) XY() Point { return Point{p.X, p.Y} }

// Dist is the distance between two points.
func Dist(a, b Point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// ROI is the rotated square the landmark model looks at: its centre and side
// in frame pixels, and its angle in radians. Angle 0 means the fingers point
// up in the image; a positive angle turns the square clockwise on screen
// (π/2: fingers point right).
type ROI struct {
	Center Point
	Size   float64
	Angle  float64
}

// Valid reports whether the ROI can be cropped (finite, positive size).
func (r ROI) Valid() bool {
	return r.Size > 1 && !math.IsNaN(r.Center.X+r.Center.Y+r.Size+r.Angle) &&
		!math.IsInf(r.Center.X+r.Center.Y+r.Size+r.Angle, 0)
}

// ToFrame maps a point of the ROI's crop, given in crop pixels of a side of
// n pixels (crop up = the ROI's "up"), into the frame.
func (r ROI) ToFrame(u, v float64, n int) Point {
	a := r.Size / float64(n)
	x := (u - float64(n)/2) * a
	y := (v - float64(n)/2) * a
	c, s := math.Cos(r.Angle), math.Sin(r.Angle)
	return Point{r.Center.X + c*x - s*y, r.Center.Y + s*x + c*y}
}

// normAngle brings an angle into [-π, π).
func normAngle(a float64) float64 {
	return a - 2*math.Pi*math.Floor((a+math.Pi)/(2*math.Pi))
}

// angleUp is the ROI angle that turns the direction from p0 to p1 to "up".
func angleUp(p0, p1 Point) float64 {
	return normAngle(math.Pi/2 - math.Atan2(-(p1.Y-p0.Y), p1.X-p0.X))
}

// transformRect is MediaPipe's RectTransformationCalculator: shift the
// rotated rectangle (centre c, width w, height h, angle) by shiftY heights
// along its own vertical axis, make it square on its long side and scale it.
func transformRect(c Point, w, h, angle, scale, shiftY float64) ROI {
	sin, cos := math.Sin(angle), math.Cos(angle)
	c.X += -h * shiftY * sin
	c.Y += h * shiftY * cos
	side := math.Max(w, h) * scale
	return ROI{Center: c, Size: side, Angle: angle}
}
