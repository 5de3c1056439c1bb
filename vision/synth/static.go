package synth

import (
	"math"
)

// backAxes returns the unit vectors along the spine (waist → shoulders) and
// to the receiver's right, in image coordinates.
func (s *Scene) backAxes() (ax, ay, rx, ry float64) {
	d := s.Back.SpineTop.Sub(s.Back.SpineBottom)
	l := math.Hypot(d.X, d.Y)
	ax, ay = d.X/l, d.Y/l
	return ax, ay, -ay, ax
}

// shade computes the Lambert + specular shading of a surface with height
// gradient (gx, gy) in px/px for the scene light. A flat surface gives 1.
func (s *Scene) shade(gx, gy float64, amb, spec, shin float64) (float64, float64) {
	nx, ny, nz := -gx, -gy, 1.0
	n := math.Sqrt(nx*nx + ny*ny + nz*nz)
	nx, ny, nz = nx/n, ny/n, nz/n
	l := s.LightDir
	ndl := nx*l[0] + ny*l[1] + nz*l[2]
	if ndl < 0 {
		ndl = 0
	}
	d := amb + (1-amb)*ndl/l[2]
	// Half vector with the viewer straight above.
	hx, hy, hz := l[0], l[1], l[2]+1
	hn := math.Sqrt(hx*hx + hy*hy + hz*hz)
	ndh := (nx*hx + ny*hy + nz*hz) / hn
	sp := 0.0
	if ndh > 0 {
		sp = spec * math.Pow(ndh, shin)
	}
	return d, sp
}

// renderStatic renders the towel, table and the receiver's body.
func (s *Scene) renderStatic(seed uint32) *static {
	w, h := s.W, s.H
	st := &static{w: w, h: h, col: make([]float32, 3*w*h), breath: make([]float32, w*h), hgt: make([]float32, w*h), sheen: make([]float32, w*h)}
	mats := make([]uint8, w*h)
	dbody := make([]float32, w*h)
	us := make([]float32, w*h)
	vs := make([]float32, w*h)
	L := s.Back.Length()
	H := s.Back.HalfWidth
	g := &bodyGeom{L: L, H: H, gap: 0.02 + 0.12*float64(hash2(1, 2, seed)), headU: s.HeadTurn, coverV: s.CoverLine}
	ax, ay, rx, ry := s.backAxes()
	W := s.Back.SpineBottom
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			dx, dy := float64(x)+0.5-W.X, float64(y)+0.5-W.Y
			v := (dx*ax + dy*ay) / L
			u := (dx*rx + dy*ry) / H
			m, hg, db, dt := g.eval(u, v)
			mats[i] = m
			st.hgt[i] = float32(hg)
			dbody[i] = float32(db)
			us[i], vs[i] = float32(u), float32(v)
			st.breath[i] = float32(smoothstep(0.35*H, -0.05*H, dt))
		}
	}
	// Towel folds as a height field too (small).
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			if mats[i] == matBg {
				u, v := float64(us[i]), float64(vs[i])
				st.hgt[i] = float32(4 * float64(fbm(u*1.2+v*0.3, v*0.9, 3, seed+7)))
			}
		}
	}
	hairDir := [2]float64{ax, ay}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			xl, xr := x-1, x+1
			if xl < 0 {
				xl = 0
			}
			if xr >= w {
				xr = w - 1
			}
			yu, yd := y-1, y+1
			if yu < 0 {
				yu = 0
			}
			if yd >= h {
				yd = h - 1
			}
			gx := float64(st.hgt[y*w+xr]-st.hgt[y*w+xl]) / float64(xr-xl)
			gy := float64(st.hgt[yd*w+x]-st.hgt[yu*w+x]) / float64(yd-yu)
			u, v := float64(us[i]), float64(vs[i])
			fx, fy := float64(x), float64(y)
			var c rgb
			switch mats[i] {
			case matSkin:
				d, sp := s.shade(gx, gy, 0.38, 0.10, 28)
				// Patchy oil sheen.
				sp *= s.Oil * (0.5 + 0.8*float64(valueNoise(fx/22, fy/22, seed+37)))
				// Where the partner spreads oil the skin turns glossy.
				_, wet := s.shade(gx, gy, 0.38, 0.22, 9)
				st.sheen[i] = float32(0.025 + wet)
				mott := 1 + 0.05*fbm(fx/35, fy/35, 4, seed+11)
				c = s.BackSkin.scale(mott)
				// Slightly redder, deeper tone in the shadows (subsurface look).
				red := float32(clampf(1-d, 0, 1))
				c = rgb{c[0] * (1 + 0.12*red), c[1] * (1 - 0.05*red), c[2] * (1 - 0.1*red)}
				for _, mo := range s.Moles {
					du := (u - mo[0]) * H
					dv := (v - mo[1]) * L
					r := mo[2] * L
					if k := du*du + dv*dv; k < 4*r*r {
						t := float32(smoothstep(r, 0.6*r, math.Sqrt(k)))
						c = mix(c, rgb{c[0] * 0.62, c[1] * 0.55, c[2] * 0.52}, t)
					}
				}
				// Fine skin grain.
				c = c.scale(1 + 0.015*(hash2(int32(x), int32(y), seed+3)-0.5))
				c = c.scale(float32(d))
				c = rgb{c[0] + float32(sp), c[1] + float32(sp), c[2] + float32(sp)}
			case matHair:
				d, sp := s.shade(gx, gy, 0.45, 0.18, 12)
				px := fx*hairDir[0] + fy*hairDir[1]
				qx := -fx*hairDir[1] + fy*hairDir[0]
				str := 1 + 0.25*fbm(px/30, qx/1.5, 3, seed+13)
				c = s.Hair.scale(float32(d) * str)
				c = rgb{c[0] + float32(sp)*0.6, c[1] + float32(sp)*0.6, c[2] + float32(sp)*0.6}
			case matCover:
				d, _ := s.shade(gx, gy, 0.45, 0, 1)
				fold := 1 + 0.08*fbm(u*2.5, v*6, 3, seed+17)
				weave := 1 + 0.04*(hash2(int32(x), int32(y), seed+19)-0.5)
				c = s.Cover.scale(float32(d) * fold * weave)
			default:
				d, _ := s.shade(gx, gy, 0.5, 0, 1)
				var base rgb
				if math.Abs(u) < s.TowelHalfWidth {
					base = s.Towel
					if s.TowelStripe {
						sv := math.Mod(v*L/H+10, 3.2)
						if sv > 0.3 && sv < 0.42 || sv > 0.5 && sv < 0.55 {
							base = mix(base, s.Shirt, 0.6)
						}
					}
					terry := 1 + 0.09*(hash2(int32(x), int32(y), seed+23)-0.5) + 0.04*fbm(fx/3, fy/3, 2, seed+29)
					base = base.scale(terry)
					edge := smoothstep(s.TowelHalfWidth-0.04, s.TowelHalfWidth, math.Abs(u))
					base = base.scale(float32(1 - 0.2*edge))
				} else {
					base = s.Table
					grain := 1 + 0.12*fbm(u*1.5, v*40, 3, seed+31)
					base = base.scale(grain)
				}
				// Contact shadow of the body on the towel.
				ao := 1 - 0.5*math.Exp(-float64(dbody[i])/(0.12*H))
				c = base.scale(float32(d * ao))
			}
			st.col[3*i] = c[0]
			st.col[3*i+1] = c[1]
			st.col[3*i+2] = c[2]
		}
	}
	return st
}
