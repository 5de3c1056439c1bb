// Package models holds the data types that flow between vision, coach and web,
// and over the wire to the browser. It imports nothing of ours.
package models

import "math"

// Point is a position in pixels of the source frame.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Sub returns p - q.
func (p Point) Sub(q Point) Point { return Point{p.X - q.X, p.Y - q.Y} }

// Add returns p + q.
func (p Point) Add(q Point) Point { return Point{p.X + q.X, p.Y + q.Y} }

// Scale returns p * k.
func (p Point) Scale(k float64) Point { return Point{p.X * k, p.Y * k} }

// Dist returns the Euclidean distance between p and q.
func (p Point) Dist(q Point) float64 { return math.Hypot(p.X-q.X, p.Y-q.Y) }

// Back is the calibrated geometry of the receiver's back in the image:
// the spine line from the waist midpoint W (SpineBottom) to the midpoint N of
// the shoulder line (SpineTop), and the half width H of the back in pixels.
type Back struct {
	SpineBottom Point   `json:"spine_bottom"`
	SpineTop    Point   `json:"spine_top"`
	HalfWidth   float64 `json:"half_width"`
}

// Length is the back length L = |W→N| in pixels.
func (b Back) Length() float64 { return b.SpineBottom.Dist(b.SpineTop) }

// Valid reports whether the geometry can map points (non-zero length and width).
func (b Back) Valid() bool {
	return b.Length() > 1 && b.HalfWidth > 1 &&
		!math.IsNaN(b.HalfWidth) && !math.IsInf(b.HalfWidth, 0)
}

// axes returns the unit vector along the spine (waist → shoulders) and the unit
// vector pointing to the receiver's right.
func (b Back) axes() (along, right Point) {
	d := b.SpineTop.Sub(b.SpineBottom)
	l := math.Hypot(d.X, d.Y)
	if l == 0 {
		return Point{0, -1}, Point{1, 0}
	}
	along = d.Scale(1 / l)
	// In image coordinates (y down), with the head at the top the spine points
	// to (0,-1) and the receiver's right is the image's right (1,0).
	right = Point{-along.Y, along.X}
	return along, right
}

// UV maps an image point to back coordinates: v is 0 at the waist and 1 at
// the shoulder line; u is the signed distance from the spine in half widths,
// negative on the receiver's left.
func (b Back) UV(p Point) (u, v float64) {
	along, right := b.axes()
	d := p.Sub(b.SpineBottom)
	l := b.Length()
	if l == 0 || b.HalfWidth == 0 {
		return 0, 0
	}
	v = (d.X*along.X + d.Y*along.Y) / l
	u = (d.X*right.X + d.Y*right.Y) / b.HalfWidth
	return u, v
}

// Point maps back coordinates (u, v) to an image point; it is the inverse of UV.
func (b Back) Point(u, v float64) Point {
	along, right := b.axes()
	l := b.Length()
	return b.SpineBottom.Add(along.Scale(v * l)).Add(right.Scale(u * b.HalfWidth))
}

// Head is where the receiver's head is in the image.
type Head string

// The four head orientations accepted by --head.
const (
	HeadTop    Head = "top"
	HeadBottom Head = "bottom"
	HeadLeft   Head = "left"
	HeadRight  Head = "right"
)

// ParseHead validates a --head value.
func ParseHead(s string) (Head, bool) {
	switch Head(s) {
	case HeadTop, HeadBottom, HeadLeft, HeadRight:
		return Head(s), true
	}
	return "", false
}
