package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// prepare renders the static scene and allocates the frame buffers once.
func (s *Session) prepare() {
	if s.st != nil {
		return
	}
	w, h := s.Opts.Width, s.Opts.Height
	s.st = s.Scene.renderStatic(s.seed32)
	s.lay = newLayer(w, h)
	s.frame = make([]float32, 3*w*h)
	s.tmpA = make([]float32, w*h)
	s.tmpB = make([]float32, w*h)
	// A pool of sensor noise sampled at a random offset each frame.
	r := rand.New(rand.NewPCG(uint64(s.Opts.Seed), 0x401e))
	s.noise = make([]float32, 3*w*h+8192+16)
	for i := range s.noise {
		s.noise[i] = float32(r.NormFloat64())
	}
}

// HandMask reports, after RenderFrame, which hand (0 or 1) covers pixel
// (x, y) of the last rendered frame, or -1 for none.
func (s *Session) HandMask(x, y int) int {
	if s.lay == nil || x < 0 || y < 0 || x >= s.lay.w || y >= s.lay.h {
		return -1
	}
	i := y*s.lay.w + x
	if s.lay.cov[i] < 0.5 || s.lay.mat[i] == hmNone {
		return -1
	}
	return int(s.lay.id[i]) - 1
}

// HandMaterialIsSkin reports whether the hand pixel at (x, y) of the last
// rendered frame is bare skin (not a sleeve or nail).
func (s *Session) HandMaterialIsSkin(x, y int) bool {
	if s.lay == nil || x < 0 || y < 0 || x >= s.lay.w || y >= s.lay.h {
		return false
	}
	return s.lay.mat[y*s.lay.w+x] == hmSkin
}

// RenderFrame renders frame i as packed BGR bytes into dst (3*w*h bytes).
func (s *Session) RenderFrame(i int, dst []byte) error {
	w, h := s.Opts.Width, s.Opts.Height
	if len(dst) < 3*w*h {
		return fmt.Errorf("synth: frame buffer of %d bytes, want %d", len(dst), 3*w*h)
	}
	if i < 0 || i >= s.Frames() {
		return fmt.Errorf("synth: frame %d out of range 0..%d", i, s.Frames()-1)
	}
	s.prepare()
	sc := &s.Scene
	t := float64(i) / s.Opts.FPS
	sh := s.shake[i]
	// 1. Static scene with breathing (torso only) and camera shake.
	breath := sc.BreathAmp * math.Sin(2*math.Pi*t/sc.BreathPeriod)
	C := sc.Back.Point(0, 0.2)
	st := s.st
	s.spreadOil(i)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			j := y*w + x
			px, py := float64(x)-sh.X, float64(y)-sh.Y
			m := float64(st.breath[j])
			k := breath * m
			qx := px - k*(px-C.X)
			qy := py - k*(py-C.Y)
			s.sampleStatic(qx, qy, s.frame[3*j:3*j+3])
			if sx, sy := int(qx), int(qy); sx >= 0 && sy >= 0 && sx < w && sy < h {
				if o := s.oil[sy*w+sx]; o > 0 {
					g := o * st.sheen[sy*w+sx]
					s.frame[3*j] += g
					s.frame[3*j+1] += g
					s.frame[3*j+2] += g
				}
			}
		}
	}
	// 2. Hands, arms and their shadows.
	s.lay.clear()
	if s.poses != nil {
		maxLift := 0.0
		for hd := 0; hd < 2; hd++ {
			s.drawHand(i, hd)
			maxLift = math.Max(maxLift, s.poses[i][hd].Lift)
		}
		s.compositeHands(maxLift)
		s.motionBlur(i)
	}
	// Lens softness.
	s.soften(sc.Blur)
	wb := sc.WhiteBalance
	for c := 0; c < 3; c++ {
		wb[c] *= float32(1 + sc.WBDrift*math.Sin(2*math.Pi*t/17+float64(c)*2.1))
	}
	// 3. Exposure drift, flicker, light gradient, vignette, white balance,
	// sensor noise; quantise to BGR.
	gain := sc.Exposure * (1 + sc.DriftAmp*math.Sin(2*math.Pi*t/sc.DriftPeriod+float64(s.seed32%7)) +
		sc.FlickerAmp*math.Sin(2*math.Pi*sc.FlickerFreq*t))
	off := int((uint64(i)*2654435761 + uint64(s.seed32)) % 8192)
	noise := s.noise[off:]
	sigma := float32(sc.NoiseSigma)
	cx, cy := float64(w)/2, float64(h)/2
	rn := 1 / (cx*cx + cy*cy)
	for y := 0; y < h; y++ {
		fy := (float64(y) - cy) / cy
		for x := 0; x < w; x++ {
			fx := (float64(x) - cx) / cx
			dx, dy := float64(x)-cx, float64(y)-cy
			g := gain * (1 + sc.LightGrad[0]*fx + sc.LightGrad[1]*fy) * (1 - sc.Vignette*(dx*dx+dy*dy)*rn)
			j := y*w + x
			for c := 0; c < 3; c++ {
				v := s.frame[3*j+c]*float32(g)*wb[c] + sigma*noise[3*j+c]
				// Shot noise grows with brightness.
				v += sigma * 0.6 * v * noise[3*j+c+3]
				b := int(math.Round(float64(v) * 255))
				if b < 0 {
					b = 0
				} else if b > 255 {
					b = 255
				}
				dst[3*j+2-c] = byte(b)
			}
		}
	}
	return nil
}

// sampleStatic bilinearly samples the static scene at (x, y) (pixel
// coordinates, clamped at the border).
func (s *Session) sampleStatic(x, y float64, out []float32) {
	st := s.st
	x -= 0.5
	y -= 0.5
	x = clampf(x, 0, float64(st.w-1))
	y = clampf(y, 0, float64(st.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, st.w-1), min(y0+1, st.h-1)
	tx, ty := float32(x-float64(x0)), float32(y-float64(y0))
	a, b := 3*(y0*st.w+x0), 3*(y0*st.w+x1)
	c, d := 3*(y1*st.w+x0), 3*(y1*st.w+x1)
	for k := 0; k < 3; k++ {
		top := st.col[a+k] + (st.col[b+k]-st.col[a+k])*tx
		bot := st.col[c+k] + (st.col[d+k]-st.col[c+k])*tx
		out[k] = top + (bot-top)*ty
	}
}

// drawHand rasterises hand hd of frame i into the hand layer.
func (s *Session) drawHand(i, hd int) {
	sc := &s.Scene
	p := s.poses[i][hd]
	P := s.palmCentre(i, hd)
	pw := sc.PalmWidth * (1 + 0.1*p.Lift)
	// Off-frame hands far away draw nothing.
	margin := 6 * pw
	if P.X < -margin || P.Y < -margin || P.X > float64(s.Opts.Width)+margin || P.Y > float64(s.Opts.Height)+margin {
		return
	}
	sh := s.shake[i]
	A := sc.Back.Point(sc.Anchor[hd][0], sc.Anchor[hd][1]).Add(sh)
	ax, ay, rx, ry := sc.backAxes()
	// Fingers continue the forearm, turned outward by Yaw.
	dx, dy := P.X-A.X, P.Y-A.Y
	dl := math.Hypot(dx, dy)
	if dl < 1 {
		dx, dy, dl = ax, ay, 1
	}
	dx, dy = dx/dl, dy/dl
	out := sideSign(hd)
	yaw := p.Yaw + sc.HandYaw[hd]
	fx := dx + yaw*out*rx
	fy := dy + yaw*out*ry
	fl := math.Hypot(fx, fy)
	fx, fy = fx/fl, fy/fl
	// Thumb towards the spine: perpendicular to the fingers.
	tx, ty := -fy, fx
	if (tx*rx+ty*ry)*(-out) < 0 {
		tx, ty = -tx, -ty
	}
	for _, pr := range handPrims(P, pw, [2]float64{fx, fy}, [2]float64{tx, ty}, A, sc.ArmBend[hd], sc.Sleeves, int8(hd), p.Lift, sc.Watch == hd, sc.FingerSpread, sc.FingerLength) {
		s.lay.draw(pr)
	}
}

// compositeHands shades the hand layer, casts its soft shadow on the scene
// and blends it over the frame.
func (s *Session) compositeHands(lift float64) {
	l := s.lay
	if !l.dirty {
		return
	}
	sc := &s.Scene
	w, h := l.w, l.h
	pw := sc.PalmWidth
	// Shadow: coverage shifted away from the light and blurred.
	hgt := (0.35 + 1.2*lift) * pw
	ox := -sc.LightDir[0] / sc.LightDir[2] * hgt
	oy := -sc.LightDir[1] / sc.LightDir[2] * hgt
	rad := int(0.14*pw + 0.25*pw*lift + 1)
	pad := rad*2 + int(math.Abs(ox)+math.Abs(oy)) + 2
	x0, y0 := max(0, l.x0-pad), max(0, l.y0-pad)
	x1, y1 := min(w, l.x1+pad), min(h, l.y1+pad)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			sx, sy := int(float64(x)-ox), int(float64(y)-oy)
			v := float32(0)
			if sx >= 0 && sy >= 0 && sx < w && sy < h {
				v = l.cov[sy*w+sx]
			}
			s.tmpA[y*w+x] = v
		}
	}
	boxBlur(s.tmpA, s.tmpB, w, x0, y0, x1, y1, rad)
	boxBlur(s.tmpA, s.tmpB, w, x0, y0, x1, y1, rad)
	strength := float32(0.36 - 0.16*lift)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			j := y*w + x
			k := 1 - strength*s.tmpA[j]
			s.frame[3*j] *= k
			s.frame[3*j+1] *= k
			s.frame[3*j+2] *= k
		}
	}
	// Shade and blend the hands.
	for y := l.y0; y < l.y1; y++ {
		for x := l.x0; x < l.x1; x++ {
			j := y*w + x
			a := l.cov[j]
			if a <= 0 || l.mat[j] == hmNone {
				continue
			}
			xl, xr := max(x-1, 0), min(x+1, w-1)
			yu, yd := max(y-1, 0), min(y+1, h-1)
			gx := float64(l.hgt[y*w+xr]-l.hgt[y*w+xl]) / 2
			gy := float64(l.hgt[yd*w+x]-l.hgt[yu*w+x]) / 2
			// Steep edges where the layer meets nothing: clamp.
			gx = clampf(gx, -3, 3)
			gy = clampf(gy, -3, 3)
			var c rgb
			switch l.mat[j] {
			case hmSleeve:
				d, _ := sc.shade(gx, gy, 0.45, 0, 1)
				fold := 1 + 0.1*fbm(float64(x)/9, float64(y)/9, 3, s.seed32+41)
				c = sc.Shirt.scale(float32(d) * fold)
			case hmWatch:
				d, sp := sc.shade(gx, gy, 0.4, 0.2, 15)
				c = sc.WatchColour.scale(float32(d))
				c = rgb{c[0] + float32(sp), c[1] + float32(sp), c[2] + float32(sp)}
			case hmMetal:
				d, sp := sc.shade(gx, gy, 0.5, 0.5, 30)
				c = rgb{0.75, 0.75, 0.78}.scale(float32(d))
				if l.cov[j] > 0.9 && math.Mod(float64(x+y), 7) < 1 {
					c = c.scale(0.8)
				}
				c = rgb{c[0] + float32(sp), c[1] + float32(sp), c[2] + float32(sp)}
			case hmNail:
				d, sp := sc.shade(gx, gy, 0.45, 0.12, 20)
				c = mix(sc.HandSkin, rgb{0.93, 0.78, 0.76}, 0.25).scale(float32(d))
				c = rgb{c[0] + float32(sp), c[1] + float32(sp), c[2] + float32(sp)}
			default:
				d, sp := sc.shade(gx, gy, 0.4, 0.12, 25)
				mott := 1 + 0.04*fbm(float64(x)/12, float64(y)/12, 3, s.seed32+43)
				c = sc.HandSkin.scale(mott)
				red := float32(clampf(1-d, 0, 1))
				c = rgb{c[0] * (1 + 0.12*red), c[1] * (1 - 0.05*red), c[2] * (1 - 0.1*red)}
				c = c.scale(float32(d))
				c = rgb{c[0] + float32(sp), c[1] + float32(sp), c[2] + float32(sp)}
			}
			for k := 0; k < 3; k++ {
				s.frame[3*j+k] = s.frame[3*j+k]*(1-a) + c[k]*a
			}
		}
	}
}

// boxBlur blurs a (in place) over the rectangle with a box of radius r,
// horizontally then vertically, using b as scratch.
func boxBlur(a, b []float32, w, x0, y0, x1, y1, r int) {
	if r < 1 {
		return
	}
	n := float32(2*r + 1)
	for y := y0; y < y1; y++ {
		var sum float32
		row := y * w
		get := func(x int) float32 {
			if x < x0 || x >= x1 {
				return 0
			}
			return a[row+x]
		}
		for x := x0 - r; x <= x0+r; x++ {
			sum += get(x)
		}
		for x := x0; x < x1; x++ {
			b[row+x] = sum / n
			sum += get(x+r+1) - get(x-r)
		}
	}
	for x := x0; x < x1; x++ {
		var sum float32
		get := func(y int) float32 {
			if y < y0 || y >= y1 {
				return 0
			}
			return b[y*w+x]
		}
		for y := y0 - r; y <= y0+r; y++ {
			sum += get(y)
		}
		for y := y0; y < y1; y++ {
			a[y*w+x] = sum / n
			sum += get(y+r+1) - get(y-r)
		}
	}
}

// soften blends the frame with its [1 2 1] blur by k (0..1): webcam lenses are
// never pin sharp.
func (s *Session) soften(k float64) {
	if k <= 0 {
		return
	}
	w, h := s.Opts.Width, s.Opts.Height
	f := s.frame
	kk := float32(k)
	for c := 0; c < 3; c++ {
		// Horizontal pass into tmpA, vertical pass back into the frame.
		for y := 0; y < h; y++ {
			row := y * w
			for x := 0; x < w; x++ {
				l, r := max(x-1, 0), min(x+1, w-1)
				s.tmpA[row+x] = (f[3*(row+l)+c] + 2*f[3*(row+x)+c] + f[3*(row+r)+c]) / 4
			}
		}
		for y := 0; y < h; y++ {
			u, d := max(y-1, 0), min(y+1, h-1)
			for x := 0; x < w; x++ {
				b := (s.tmpA[u*w+x] + 2*s.tmpA[y*w+x] + s.tmpA[d*w+x]) / 4
				j := 3*(y*w+x) + c
				f[j] += (b - f[j]) * kk
			}
		}
	}
}

// motionBlur smears each moving hand (with its arm) along the palm's motion
// over the shutter time, centred on the frame time so the truth stays at the
// centre of the smear.
func (s *Session) motionBlur(i int) {
	l := s.lay
	if !l.dirty || s.Scene.Shutter <= 0 {
		return
	}
	w, h := l.w, l.h
	if s.tmpC == nil {
		s.tmpC = make([]float32, 3*w*h)
	}
	for hd := 0; hd < 2; hd++ {
		a, b := max(i-1, 0), min(i+1, s.Frames()-1)
		if b == a {
			continue
		}
		pa, pb := s.palmCentre(a, hd), s.palmCentre(b, hd)
		vx, vy := (pb.X-pa.X)/float64(b-a), (pb.Y-pa.Y)/float64(b-a)
		ln := math.Hypot(vx, vy) * s.Scene.Shutter
		if ln < 1.5 || ln > 80 {
			continue
		}
		ux, uy := vx/math.Hypot(vx, vy), vy/math.Hypot(vx, vy)
		id := int8(hd + 1)
		x0, y0, x1, y1 := w, h, 0, 0
		for y := l.y0; y < l.y1; y++ {
			for x := l.x0; x < l.x1; x++ {
				if l.id[y*w+x] == id {
					x0, y0 = min(x0, x), min(y0, y)
					x1, y1 = max(x1, x+1), max(y1, y+1)
				}
			}
		}
		if x0 >= x1 {
			continue
		}
		pad := int(ln/2) + 2
		x0, y0 = max(0, x0-pad), max(0, y0-pad)
		x1, y1 = min(w, x1+pad), min(h, y1+pad)
		n := int(math.Ceil(ln)) + 1
		step := ln / float64(n-1)
		offs := make([][2]int, n)
		for k := range offs {
			o := (float64(k) - float64(n-1)/2) * step
			offs[k] = [2]int{int(math.Round(o * ux)), int(math.Round(o * uy))}
		}
		inv := 1 / float32(n)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				var c0, c1, c2, m float32
				for _, o := range offs {
					sx, sy := min(max(x+o[0], 0), w-1), min(max(y+o[1], 0), h-1)
					j := sy*w + sx
					c0 += s.frame[3*j]
					c1 += s.frame[3*j+1]
					c2 += s.frame[3*j+2]
					if l.id[j] == id {
						m += l.cov[j]
					}
				}
				j := y*w + x
				wt := m * inv
				if l.id[j] == id && l.cov[j] > wt {
					wt = l.cov[j]
				}
				wt = min(1, 3*wt)
				s.tmpA[j] = wt
				s.tmpC[3*j] = c0 * inv
				s.tmpC[3*j+1] = c1 * inv
				s.tmpC[3*j+2] = c2 * inv
			}
		}
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				j := y*w + x
				wt := s.tmpA[j]
				for c := 0; c < 3; c++ {
					s.frame[3*j+c] += (s.tmpC[3*j+c] - s.frame[3*j+c]) * wt
				}
			}
		}
	}
}

// spreadOil brings the oil map up to frame i: every frame a palm on the back
// leaves a little oil around it, so the skin it has worked turns glossy (the
// oil streaks of real sessions). Frames can be rendered in any order.
func (s *Session) spreadOil(i int) {
	w, h := s.Opts.Width, s.Opts.Height
	if s.oil == nil || s.oilTo > i+1 {
		s.oil = make([]float32, w*h)
		s.oilTo = 0
	}
	if s.poses == nil {
		s.oilTo = i + 1
		return
	}
	r := 0.42 * s.Scene.PalmWidth
	for ; s.oilTo <= i; s.oilTo++ {
		for hd := 0; hd < 2; hd++ {
			p := s.poses[s.oilTo][hd]
			if p.Lift > 0.3 {
				continue
			}
			c := s.Scene.Back.Point(p.U, p.V)
			x0, x1 := max(0, int(c.X-r)), min(w, int(c.X+r)+1)
			y0, y1 := max(0, int(c.Y-r)), min(h, int(c.Y+r)+1)
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					d := math.Hypot(float64(x)-c.X, float64(y)-c.Y) / r
					if d >= 1 {
						continue
					}
					a := float32(0.02 * (1 - d*d))
					j := y*w + x
					s.oil[j] += (1 - s.oil[j]) * a
				}
			}
		}
	}
}
