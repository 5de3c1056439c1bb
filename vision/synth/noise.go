package synth

import "math"

// hash2 returns a deterministic pseudo-random value in [0,1) for a lattice
// point and a seed.
func hash2(x, y int32, seed uint32) float32 {
	h := uint32(x)*0x8da6b343 ^ uint32(y)*0xd8163841 ^ seed*0xcb1ab31f
	h ^= h >> 13
	h *= 0x5bd1e995
	h ^= h >> 15
	return float32(h&0xffffff) / float32(0x1000000)
}

// valueNoise is smooth lattice noise in [0,1) at (x, y).
func valueNoise(x, y float64, seed uint32) float32 {
	fx, fy := math.Floor(x), math.Floor(y)
	ix, iy := int32(fx), int32(fy)
	tx, ty := float32(x-fx), float32(y-fy)
	tx = tx * tx * (3 - 2*tx)
	ty = ty * ty * (3 - 2*ty)
	a := hash2(ix, iy, seed)
	b := hash2(ix+1, iy, seed)
	c := hash2(ix, iy+1, seed)
	d := hash2(ix+1, iy+1, seed)
	return a + (b-a)*tx + (c-a)*ty + (a-b-c+d)*tx*ty
}

// fbm sums octaves of value noise; the result is roughly in [-1, 1].
func fbm(x, y float64, octaves int, seed uint32) float32 {
	var sum, amp, norm float32 = 0, 1, 0
	for i := 0; i < octaves; i++ {
		sum += amp * (valueNoise(x, y, seed+uint32(i)*101) - 0.5)
		norm += amp * 0.5
		amp *= 0.5
		x *= 2.03
		y *= 2.03
	}
	return sum / norm
}

func smoothstep(e0, e1, x float64) float64 {
	t := (x - e0) / (e1 - e0)
	if t < 0 {
		t = 0
	} else if t > 1 {
		t = 1
	}
	return t * t * (3 - 2*t)
}

func clampf(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// roundProfile maps depth inside a shape (0 at the edge, 1 at the rounding
// radius) to a quarter-circle height profile in [0,1].
func roundProfile(x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	y := 1 - x
	return math.Sqrt(1 - y*y)
}

// segDist returns the distance from p to the segment a-b and the projection
// parameter t in [0,1].
func segDist(px, py, ax, ay, bx, by float64) (float64, float64) {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = clampf(((px-ax)*dx+(py-ay)*dy)/l2, 0, 1)
	}
	ex, ey := px-(ax+t*dx), py-(ay+t*dy)
	return math.Hypot(ex, ey), t
}

// smin is a polynomial smooth minimum with blend radius k.
func smin(a, b, k float64) float64 {
	h := clampf(0.5+0.5*(b-a)/k, 0, 1)
	return b + (a-b)*h - k*h*(1-h)
}
