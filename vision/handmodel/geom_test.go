package handmodel

import (
	"math"
	"testing"
)

func TestAnchors(t *testing.T) {
	a := palmAnchors()
	if len(a) != numAnchor {
		t.Fatalf("%d anchors, want %d", len(a), numAnchor)
	}
	if a[0] != (anchor{0.5 / 16, 0.5 / 16}) || a[1] != a[0] || a[2] != (anchor{1.5 / 16, 0.5 / 16}) {
		t.Errorf("first anchors %v", a[:3])
	}
	if a[512] != (anchor{0.5 / 8, 0.5 / 8}) || a[895] != (anchor{7.5 / 8, 7.5 / 8}) {
		t.Errorf("second grid starts at %v and ends at %v", a[512], a[895])
	}
}

func TestAngleUp(t *testing.T) {
	for _, c := range []struct {
		dx, dy, want float64
	}{{0, -1, 0}, {1, 0, math.Pi / 2}, {-1, 0, -math.Pi / 2}, {0, 1, -math.Pi}} {
		got := angleUp(Point{10, 10}, Point{10 + c.dx, 10 + c.dy})
		if math.Abs(normAngle(got-c.want)) > 1e-9 {
			t.Errorf("direction (%v, %v): angle %v, want %v", c.dx, c.dy, got, c.want)
		}
		// The ROI's "up" maps onto that direction.
		r := ROI{Center: Point{100, 100}, Size: 224, Angle: got}
		p := r.ToFrame(112, 0, 224)
		if math.Abs(p.X-100-112*c.dx) > 1e-9 || math.Abs(p.Y-100-112*c.dy) > 1e-9 {
			t.Errorf("direction (%v, %v): crop top maps to %v", c.dx, c.dy, p)
		}
	}
}

func TestTransformRect(t *testing.T) {
	// Fingers to the right: the shift moves the centre right.
	r := transformRect(Point{100, 100}, 40, 20, math.Pi/2, 2.6, -0.5)
	if math.Abs(r.Center.X-110) > 1e-9 || math.Abs(r.Center.Y-100) > 1e-9 || math.Abs(r.Size-104) > 1e-9 {
		t.Errorf("got %+v", r)
	}
}

func TestNextROIUpright(t *testing.T) {
	var pts [NumLandmarks]Point3
	// An upright hand: wrist at the bottom, knuckles 60 px above.
	for i := range pts {
		pts[i] = Point3{X: 100, Y: 100}
	}
	pts[Wrist] = Point3{X: 100, Y: 160}
	pts[IndexMCP] = Point3{X: 80, Y: 100}
	pts[MiddleMCP] = Point3{X: 100, Y: 100}
	pts[RingMCP] = Point3{X: 120, Y: 100}
	pts[PinkyMCP] = Point3{X: 135, Y: 105}
	r := NextROI(pts)
	if math.Abs(r.Angle) > 1e-9 {
		t.Errorf("angle %v, want 0", r.Angle)
	}
	if r.Center.Y >= 130 || r.Size < 100 {
		t.Errorf("ROI %+v: want it above the palm's middle and twice its size", r)
	}
}
