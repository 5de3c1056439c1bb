package synth

import (
	"math"
)

// Materials of the static scene.
const (
	matBg uint8 = iota
	matSkin
	matHair
	matCover
)

// widthProfile is the torso half width in half widths H at height v.
var widthKnots = [][2]float64{
	{-0.9, 1.05}, {-0.3, 1.03}, {0.0, 0.9}, {0.25, 0.92}, {0.5, 1.0},
	{0.78, 1.08}, {0.96, 1.12}, {1.3, 1.12},
}

func widthAt(v float64) float64 {
	k := widthKnots
	if v <= k[0][0] {
		return k[0][1]
	}
	for i := 1; i < len(k); i++ {
		if v <= k[i][0] {
			t := smoothstep(k[i-1][0], k[i][0], v)
			return k[i-1][1] + (k[i][1]-k[i-1][1])*t
		}
	}
	return k[len(k)-1][1]
}

// static holds the rendered static scene (towel, torso) of one session.
type static struct {
	w, h   int
	col    []float32 // RGB, 3 per pixel, 0..1
	breath []float32 // 1 on the torso, 0 away from it
	hgt    []float32 // height field in px (for hand shadows)
	sheen  []float32 // gloss the skin shows where oil has been spread
}

// bodyGeom evaluates the receiver's body at back coordinates; all distances
// in pixels.
type bodyGeom struct {
	L, H     float64
	gap      float64
	headU    float64
	coverV   float64
	armSides [2]float64
}

// trunkSDF returns the signed distance (px, negative inside) of the trunk.
func (g *bodyGeom) trunkSDF(u, v float64) float64 {
	w := widthAt(v)
	if v > 0.93 {
		t := clampf((v-0.93)/0.17, 0, 1)
		w -= 0.4 * (1 - math.Sqrt(1-t*t))
	}
	dx := (math.Abs(u) - w) * g.H
	dt := (v - 1.10) * g.L
	return math.Max(dx, dt)
}

func ellipseSDF(x, y, a, b float64) float64 {
	k := math.Hypot(x/a, y/b)
	return (k - 1) * math.Min(a, b)
}

// scene evaluation of one point: material and height (px), plus the SDF of
// the body (for contact shadows and breathing).
func (g *bodyGeom) eval(u, v float64) (mat uint8, hgt, dBody, dTrunk float64) {
	H, L := g.H, g.L
	dTrunk = g.trunkSDF(u, v)
	// Neck blends smoothly into the trapezius.
	dn, _ := segDist(u*H, v*L, 0, 0.95*L, g.headU*0.3*H, 1.22*L)
	dNeck := dn - 0.3*H
	dT := smin(dTrunk, dNeck, 0.15*H)
	hTrunk := 0.0
	if dT < 0 {
		hTrunk = 0.5 * H * roundProfile(-dT/(0.5*H))
		wv := widthAt(v)
		hTrunk += 0.08 * H * math.Max(0, 1-(u*u)/(wv*wv))
		// Spine groove, erector ridges, dimples, shoulder blades.
		gv := smoothstep(-0.05, 0.1, v) * (1 - 0.5*smoothstep(0.6, 1.05, v))
		hTrunk -= 0.05 * H * math.Exp(-(u*u)/(0.09*0.09)) * gv
		au := math.Abs(u)
		ev := smoothstep(-0.1, 0.1, v) * (1 - smoothstep(0.55, 0.85, v))
		hTrunk += 0.045 * H * math.Exp(-((au-0.19)*(au-0.19))/(0.1*0.1)) * ev
		dd := (au-0.22)*(au-0.22)/(0.07*0.07) + (v-0.03)*(v-0.03)/(0.04*0.04)
		hTrunk -= 0.03 * H * math.Exp(-dd)
		hTrunk += g.scapula(au, v)
	}
	// Head.
	dHead := ellipseSDF(u*H-g.headU*0.35*H, v*L-1.43*L, 0.4*H, 0.23*L)
	hHead := 0.0
	if dHead < 0 {
		hHead = 0.75 * H * roundProfile(-dHead/(0.35*H))
	}
	// Arms at the sides.
	dArm := 1e9
	hArm := 0.0
	for _, s := range []float64{-1, 1} {
		ex := s * (1.27 + g.gap)
		pts := [][3]float64{{s * 1.0, 0.93, 0.25}, {ex, 0.36, 0.2}, {ex - s*0.04, -0.22, 0.15}}
		for i := 0; i+1 < len(pts); i++ {
			a, b := pts[i], pts[i+1]
			d, t := segDist(u*H, v*L, a[0]*H, a[1]*L, b[0]*H, b[1]*L)
			r := (a[2] + (b[2]-a[2])*t) * H
			dd := d - r
			if dd < dArm {
				dArm = dd
			}
			if dd < 0 {
				hh := 0.8 * r * roundProfile(-dd/r)
				if hh > hArm {
					hArm = hh
				}
			}
		}
		// The hand lying palm down beside the hip, fingers towards the feet.
		hx := (ex - s*0.05) * H
		hy := -0.36 * L
		parts := [][5]float64{
			// x0, y0, x1, y1 (px offsets from the hand centre), radius
			{0, 0.02 * L, 0, -0.05 * L, 0.13 * H},
			{-0.09 * H, -0.07 * L, -0.1 * H, -0.19 * L, 0.04 * H},
			{-0.03 * H, -0.07 * L, -0.03 * H, -0.21 * L, 0.042 * H},
			{0.03 * H, -0.07 * L, 0.035 * H, -0.2 * L, 0.04 * H},
			{0.09 * H, -0.07 * L, 0.1 * H, -0.17 * L, 0.036 * H},
			{-s * 0.12 * H, 0, -s * 0.2 * H, -0.1 * L, 0.045 * H},
		}
		for k, pt := range parts {
			d, _ := segDist(u*H, v*L, hx+pt[0], hy+pt[1], hx+pt[2], hy+pt[3])
			dd := d - pt[4]
			if dd < dArm {
				dArm = dd
			}
			if dd < 0 {
				sc := 0.5
				if k == 0 {
					sc = 0.35
				}
				hh := sc * pt[4] * roundProfile(-dd/pt[4])
				if hh > hArm {
					hArm = hh
				}
			}
		}
	}
	dBody = math.Min(math.Min(dT, dHead), dArm)
	mat = matBg
	switch {
	case hHead > 0 && hHead >= hTrunk:
		mat, hgt = matHair, hHead
	case hTrunk > 0 && hTrunk >= hArm:
		mat, hgt = matSkin, hTrunk
	case hArm > 0:
		mat, hgt = matSkin, hArm
	}
	// Lower-body cover (towel or shorts) draped over the hips.
	cv := g.coverV + 0.025*math.Sin(u*4.1+1.3)
	if v < cv && dTrunk < 0.12*H && (mat != matSkin || hTrunk >= hArm || dTrunk < 0) {
		base := math.Max(hTrunk, 0)
		if dTrunk >= 0 {
			base = 0.02 * H * (1 - dTrunk/(0.12*H))
		}
		edge := smoothstep(cv, cv-0.03, v)
		mat = matCover
		hgt = base + 0.03*H*edge
	}
	return mat, hgt, dBody, dTrunk
}

// scapula returns the height added by the shoulder blade at |u|, v.
func (g *bodyGeom) scapula(au, v float64) float64 {
	H, L := g.H, g.L
	// Triangle: superior medial (0.33,0.95), inferior angle (0.42,0.6),
	// lateral (0.85,0.93); in px.
	px, py := au*H, v*L
	ax, ay := 0.30*H, 0.95*L
	bx, by := 0.42*H, 0.60*L
	cx, cy := 0.85*H, 0.93*L
	d := triSDF(px, py, ax, ay, bx, by, cx, cy)
	in := smoothstep(0.1*H, -0.18*H, d)
	// The medial border is a sharper ridge.
	dm, _ := segDist(px, py, ax, ay, bx, by)
	ridge := math.Exp(-(dm * dm) / (0.08 * H * 0.08 * H))
	// Spine of the scapula towards the acromion.
	ds, t := segDist(px, py, 0.32*H, 0.90*L, 0.95*H, 0.98*L)
	sp := math.Exp(-(ds*ds)/(0.045*H*0.045*H)) * (0.4 + 0.6*t)
	return 0.035*H*in + 0.008*H*ridge*in + 0.01*H*sp
}

func triSDF(px, py, ax, ay, bx, by, cx, cy float64) float64 {
	d1, _ := segDist(px, py, ax, ay, bx, by)
	d2, _ := segDist(px, py, bx, by, cx, cy)
	d3, _ := segDist(px, py, cx, cy, ax, ay)
	d := math.Min(d1, math.Min(d2, d3))
	// Inside test via edge signs.
	s1 := (bx-ax)*(py-ay) - (by-ay)*(px-ax)
	s2 := (cx-bx)*(py-by) - (cy-by)*(px-bx)
	s3 := (ax-cx)*(py-cy) - (ay-cy)*(px-cx)
	if (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0) {
		return -d
	}
	return d
}
