package synth

import (
	"math"

	"github.com/backcoach/backcoach/models"
)

// Hand-layer materials.
const (
	hmNone uint8 = iota
	hmSkin
	hmNail
	hmSleeve
	hmWatch
	hmMetal
)

// prim is one primitive of a hand and arm: a tapered capsule (a→b, radii
// ra→rb) or an ellipse (centre a, semi-axes ra across, rb along, axis dir).
type prim struct {
	ellipse bool
	rrect   bool // rounded rectangle: centre a, half sizes ra across, rb along, corner bx
	ax, ay  float64
	bx, by  float64
	ra, rb  float64
	dx, dy  float64 // ellipse: unit axis along the length
	hscale  float64 // height = hscale * local radius profile
	hoff    float64 // height offset
	mat     uint8
	hand    int8
	crease  bool // finger joints: small creases across the capsule
}

// layer is the per-frame hand layer: coverage, height and material.
type layer struct {
	w, h  int
	cov   []float32
	hgt   []float32
	mat   []uint8
	id    []int8
	x0    int
	y0    int
	x1    int
	y1    int
	dirty bool
}

func newLayer(w, h int) *layer {
	return &layer{w: w, h: h, cov: make([]float32, w*h), hgt: make([]float32, w*h), mat: make([]uint8, w*h), id: make([]int8, w*h)}
}

func (l *layer) clear() {
	if !l.dirty {
		return
	}
	for y := l.y0; y < l.y1; y++ {
		for x := l.x0; x < l.x1; x++ {
			i := y*l.w + x
			l.cov[i], l.hgt[i], l.mat[i], l.id[i] = 0, 0, 0, 0
		}
	}
	l.dirty = false
}

func (l *layer) grow(x0, y0, x1, y1 int) {
	if !l.dirty {
		l.x0, l.y0, l.x1, l.y1, l.dirty = x0, y0, x1, y1, true
		return
	}
	l.x0, l.y0 = min(l.x0, x0), min(l.y0, y0)
	l.x1, l.y1 = max(l.x1, x1), max(l.y1, y1)
}

// draw rasterises a primitive into the layer (union by maximum height).
func (l *layer) draw(p prim) {
	var minx, miny, maxx, maxy float64
	if p.ellipse || p.rrect {
		r := math.Hypot(p.ra, p.rb)
		minx, maxx, miny, maxy = p.ax-r, p.ax+r, p.ay-r, p.ay+r
	} else {
		r := math.Max(p.ra, p.rb)
		minx, maxx = math.Min(p.ax, p.bx)-r, math.Max(p.ax, p.bx)+r
		miny, maxy = math.Min(p.ay, p.by)-r, math.Max(p.ay, p.by)+r
	}
	x0, y0 := max(0, int(math.Floor(minx))-1), max(0, int(math.Floor(miny))-1)
	x1, y1 := min(l.w, int(math.Ceil(maxx))+2), min(l.h, int(math.Ceil(maxy))+2)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	l.grow(x0, y0, x1, y1)
	for y := y0; y < y1; y++ {
		py := float64(y) + 0.5
		for x := x0; x < x1; x++ {
			px := float64(x) + 0.5
			var d, r float64
			if p.rrect {
				qx, qy := px-p.ax, py-p.ay
				along := qx*p.dx + qy*p.dy
				across := -qx*p.dy + qy*p.dx
				// Narrower towards the wrist.
				across /= 0.78 + 0.22*clampf(0.5+along/(2*p.rb), 0, 1)
				cr := p.bx
				ex := math.Abs(across) - (p.ra - cr)
				ey := math.Abs(along) - (p.rb - cr)
				d = math.Hypot(math.Max(ex, 0), math.Max(ey, 0)) + math.Min(math.Max(ex, ey), 0) - cr
				r = 0.55 * math.Min(p.ra, p.rb)
			} else if p.ellipse {
				qx, qy := px-p.ax, py-p.ay
				along := qx*p.dx + qy*p.dy
				across := -qx*p.dy + qy*p.dx
				k := math.Hypot(across/p.ra, along/p.rb)
				r = math.Min(p.ra, p.rb)
				d = (k - 1) * r
			} else {
				dd, t := segDist(px, py, p.ax, p.ay, p.bx, p.by)
				r = p.ra + (p.rb-p.ra)*t
				d = dd - r
			}
			if d > 1 {
				continue
			}
			cov := clampf(0.5-d, 0, 1)
			hh := p.hoff + p.hscale*r*roundProfile(-d/r)
			if p.crease {
				var t float64
				if !p.ellipse && !p.rrect {
					_, t = segDist(px, py, p.ax, p.ay, p.bx, p.by)
				}
				c1, c2 := (t-0.4)/0.05, (t-0.7)/0.045
				hh -= 0.12 * r * (math.Exp(-c1*c1) + 0.8*math.Exp(-c2*c2))
			}
			i := y*l.w + x
			if cov > float64(l.cov[i]) {
				l.cov[i] = float32(cov)
			}
			if d < 0.5 && float32(hh) >= l.hgt[i] {
				l.hgt[i] = float32(hh)
				l.mat[i] = p.mat
				l.id[i] = p.hand + 1
			}
		}
	}
}

// handPrims builds the primitives of one hand and its arm. P is the palm
// centre in pixels, pw the palm width, fwd the unit finger direction, thumb
// the unit vector towards the thumb side, anchor where the arm goes.
func handPrims(P models.Point, pw float64, fwd, thumb [2]float64, anchor models.Point, bend float64, sleeves int, hand int8, lift float64, watch bool, spread, flen float64) []prim {
	var ps []prim
	at := func(x, y float64) (float64, float64) {
		return P.X + thumb[0]*x*pw + fwd[0]*y*pw, P.Y + thumb[1]*x*pw + fwd[1]*y*pw
	}
	hs := 1.0 + 0.6*lift // lifted hands are higher (for shadows)
	lh := lift * 0.6 * pw
	// Wrist and arm.
	wx, wy := at(0, -0.55)
	dax, day := anchor.X-wx, anchor.Y-wy
	dl := math.Hypot(dax, day)
	if dl < 1 {
		dax, day, dl = -fwd[0], -fwd[1], 1
	}
	dax, day = dax/dl, day/dl
	// Bend the elbow away from the thumb side.
	c, s := math.Cos(bend), math.Sin(bend)
	sg := -1.0
	if thumb[0]*(-day)+thumb[1]*dax > 0 {
		sg = 1
	}
	bx, by := dax*c-sg*day*s, sg*dax*s+day*c
	fore := 2.8 * pw
	ex, ey := wx+bx*fore, wy+by*fore
	uax, uay := anchor.X-ex, anchor.Y-ey
	ul := math.Hypot(uax, uay)
	if ul < 1 {
		uax, uay, ul = bx, by, 1
	}
	uax, uay = uax/ul, uay/ul
	far := math.Max(ul, 3*pw) + 12*pw
	sx, sy := ex+uax*far, ey+uay*far
	// Forearm (wrist to elbow) and upper arm, flattened a little.
	ps = append(ps, prim{ax: wx, ay: wy, bx: ex, by: ey, ra: 0.31 * pw, rb: 0.42 * pw, hscale: 0.75, hoff: lh, mat: hmSkin, hand: hand})
	ps = append(ps, prim{ax: ex, ay: ey, bx: sx, by: sy, ra: 0.43 * pw, rb: 0.56 * pw, hscale: 0.75, hoff: lh, mat: hmSkin, hand: hand})
	if watch {
		// Band across the wrist and the watch face on top.
		cx, cy := wx+dax*0.12*pw, wy+day*0.12*pw
		px, py := -day, dax
		ps = append(ps, prim{ax: cx - px*0.3*pw, ay: cy - py*0.3*pw, bx: cx + px*0.3*pw, by: cy + py*0.3*pw, ra: 0.1 * pw, rb: 0.1 * pw, hscale: 0.6, hoff: lh + 0.3*pw, mat: hmWatch, hand: hand})
		ps = append(ps, prim{ellipse: true, ax: cx, ay: cy, ra: 0.16 * pw, rb: 0.15 * pw, dx: dax, dy: day, hscale: 0.4, hoff: lh + 0.32*pw, mat: hmMetal, hand: hand})
	}
	switch sleeves {
	case 1: // short sleeves: upper arm covered from a bit above the elbow
		k := 0.9 * pw
		ps = append(ps, prim{ax: ex + uax*k, ay: ey + uay*k, bx: sx, by: sy, ra: 0.62 * pw, rb: 0.7 * pw, hscale: 0.8, hoff: lh + 0.02*pw, mat: hmSleeve, hand: hand})
	case 2: // long sleeves pushed up to mid-forearm
		mx, my := wx+bx*fore*0.45, wy+by*fore*0.45
		ps = append(ps, prim{ax: mx, ay: my, bx: ex, by: ey, ra: 0.47 * pw, rb: 0.56 * pw, hscale: 0.8, hoff: lh + 0.02*pw, mat: hmSleeve, hand: hand})
		ps = append(ps, prim{ax: ex, ay: ey, bx: sx, by: sy, ra: 0.58 * pw, rb: 0.7 * pw, hscale: 0.8, hoff: lh + 0.02*pw, mat: hmSleeve, hand: hand})
	}
	// Palm (back of the hand), slightly domed.
	ps = append(ps, prim{rrect: true, ax: P.X, ay: P.Y, ra: 0.5 * pw, rb: 0.52 * pw, bx: 0.2 * pw, dx: fwd[0], dy: fwd[1], hscale: 0.6 * hs, hoff: lh, mat: hmSkin, hand: hand})
	// Fingers: index (thumb side) to little finger.
	fingers := [][4]float64{
		// x at the knuckle, length, radius, splay (radians towards thumb)
		{0.355, 0.80, 0.128, 0.04},
		{0.12, 0.90, 0.132, 0.0},
		{-0.12, 0.84, 0.126, -0.02},
		{-0.34, 0.66, 0.112, -0.06},
	}
	for _, f := range fingers {
		kx, ky := at(f[0], 0.38)
		cs, sn := math.Cos(f[3]*spread), math.Sin(f[3]*spread)
		dx := fwd[0]*cs + thumb[0]*sn
		dy := fwd[1]*cs + thumb[1]*sn
		tx, ty := kx+dx*f[1]*flen*pw, ky+dy*f[1]*flen*pw
		r := f[2] * pw
		ps = append(ps, prim{ax: kx, ay: ky, bx: tx, by: ty, ra: r * 1.05, rb: r * 0.9, hscale: 0.55 * hs, hoff: lh, mat: hmSkin, hand: hand, crease: true})
		// Knuckle bump.
		ps = append(ps, prim{ax: kx - dx*0.02*pw, ay: ky - dy*0.02*pw, bx: kx, by: ky, ra: r * 1.15, rb: r * 1.15, hscale: 0.9 * hs, hoff: lh, mat: hmSkin, hand: hand})
		// Nail near the tip.
		nx, ny := tx-dx*0.13*pw, ty-dy*0.13*pw
		ps = append(ps, prim{ellipse: true, ax: nx, ay: ny, ra: r * 0.6, rb: r * 0.9, dx: dx, dy: dy, hscale: 0.62 * hs, hoff: lh + 0.01*pw, mat: hmNail, hand: hand})
	}
	// Thumb, from the base of the palm outwards and forwards.
	t0x, t0y := at(0.32, -0.32)
	t1x, t1y := at(0.6, 0.0)
	t2x, t2y := at(0.7, 0.34)
	ps = append(ps, prim{ax: t0x, ay: t0y, bx: t1x, by: t1y, ra: 0.17 * pw, rb: 0.145 * pw, hscale: 0.9 * hs, hoff: lh, mat: hmSkin, hand: hand})
	ps = append(ps, prim{ax: t1x, ay: t1y, bx: t2x, by: t2y, ra: 0.145 * pw, rb: 0.12 * pw, hscale: 0.9 * hs, hoff: lh, mat: hmSkin, hand: hand})
	nx, ny := at(0.69, 0.27)
	ps = append(ps, prim{ellipse: true, ax: nx, ay: ny, ra: 0.075 * pw, rb: 0.095 * pw, dx: fwd[0]*0.95 + thumb[0]*0.3, dy: fwd[1]*0.95 + thumb[1]*0.3, hscale: 1.55 * hs, hoff: lh + 0.01*pw, mat: hmNail, hand: hand})
	return ps
}
