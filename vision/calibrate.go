package vision

import (
	"image"
	"math"
	"runtime"
	"sort"

	"github.com/backcoach/backcoach/models"
	"gocv.io/x/gocv"
)

// calibWidth is the working width of calibration.
const calibWidth = 320

// CalibrateBack finds the back in the first frames: the spine line from the
// waist midpoint W to the midpoint N of the shoulder line, and the half
// width H. It works on the per-pixel median of the frames, so hands that
// move during them do not disturb it. It returns ErrNoBack when no back is
// in view.
func CalibrateBack(frames []gocv.Mat, head models.Head) (models.Back, error) {
	if len(frames) == 0 || frames[0].Empty() {
		return models.Back{}, ErrNoBack
	}
	fw, fh := frames[0].Cols(), frames[0].Rows()
	scale := math.Max(1, float64(fw)/calibWidth)
	w := int(math.Round(float64(fw) / scale))
	h := int(math.Round(float64(fh) / scale))
	bg := medianBackground(frames, w, h)
	defer bg.Close()
	return calibrateImage(bg, head, scale)
}

// calibrateImage calibrates on one hand-free BGR image; scale maps its
// pixels to the source frame's.
func calibrateImage(img gocv.Mat, head models.Head, scale float64) (models.Back, error) {
	// Work in a canonical orientation: head at the top.
	canon := gocv.NewMat()
	defer canon.Close()
	switch head {
	case models.HeadBottom:
		gocv.Rotate(img, &canon, gocv.Rotate180Clockwise)
	case models.HeadLeft:
		gocv.Rotate(img, &canon, gocv.Rotate90Clockwise)
	case models.HeadRight:
		gocv.Rotate(img, &canon, gocv.Rotate90CounterClockwise)
	default:
		img.CopyTo(&canon)
	}
	w, h := canon.Cols(), canon.Rows()
	mask := skinMask(canon)
	if mask == nil {
		return models.Back{}, ErrNoBack
	}
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(canon, &gray, gocv.ColorBGRToGray)
	gocv.GaussianBlur(gray, &gray, image.Pt(5, 5), 0, 0, gocv.BorderReplicate)
	b, ok := backFromMask(mask, gray.ToBytes(), w, h)
	if !ok {
		return models.Back{}, ErrNoBack
	}
	// Back to the source orientation and resolution.
	unrot := func(p models.Point) models.Point {
		var q models.Point
		switch head {
		case models.HeadBottom:
			q = models.Point{X: float64(w) - p.X, Y: float64(h) - p.Y}
		case models.HeadLeft: // canon = rotate90cw(img): canon(x,y) = img(y, H_img-1-x)
			q = models.Point{X: p.Y, Y: float64(w) - p.X}
		case models.HeadRight: // canon = rotate90ccw(img): canon(x,y) = img(W_img-1-y, x)
			q = models.Point{X: float64(h) - p.Y, Y: p.X}
		default:
			q = p
		}
		return q.Scale(scale)
	}
	return models.Back{
		SpineBottom: unrot(b.SpineBottom),
		SpineTop:    unrot(b.SpineTop),
		HalfWidth:   b.HalfWidth * scale,
	}, nil
}

// skinMask returns a w*h mask (1 = the receiver's skin) of the body in a
// canonical image: pixels whose colour is close to the skin at the centre of
// the frame, the component that holds the centre. nil when there is none.
func skinMask(img gocv.Mat) []byte {
	w, h := img.Cols(), img.Rows()
	lab := gocv.NewMat()
	defer lab.Close()
	blur := gocv.NewMat()
	defer blur.Close()
	gocv.GaussianBlur(img, &blur, image.Pt(5, 5), 0, 0, gocv.BorderReplicate)
	gocv.CvtColor(blur, &lab, gocv.ColorBGRToLab)
	px := lab.ToBytes()
	// Reference skin colour: the median of a central patch.
	var ls, as, bs []float64
	for y := h * 2 / 5; y < h*3/5; y++ {
		for x := w * 2 / 5; x < w*3/5; x++ {
			i := 3 * (y*w + x)
			ls = append(ls, float64(px[i]))
			as = append(as, float64(px[i+1]))
			bs = append(bs, float64(px[i+2]))
		}
	}
	l0, a0, b0 := median(ls), median(as), median(bs)
	// Skin has a warm chroma (a, b > 128 in OpenCV's 8-bit Lab); a centre
	// that is grey or blue is no back.
	if a0 < 131 || b0 < 131 || l0 < 40 {
		return nil
	}
	m := grabCutBody(img)
	if m == nil {
		return nil
	}
	mm, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC1, m)
	if err != nil {
		return nil
	}
	defer mm.Close()
	k := gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(5, 5))
	defer k.Close()
	tmp := gocv.NewMat()
	defer tmp.Close()
	gocv.MorphologyEx(mm, &tmp, gocv.MorphOpen, k)
	gocv.MorphologyEx(tmp, &mm, gocv.MorphClose, k)
	lab2 := gocv.NewMat()
	defer lab2.Close()
	gocv.ConnectedComponentsWithStatsWithParams(mm, &lab2, &tmp, &blur, 8, gocv.MatTypeCV16U, gocv.CCL_DEFAULT)
	labels, err := lab2.DataPtrUint16()
	if err != nil {
		return nil
	}
	c := labels[(h/2)*w+w/2]
	if c == 0 {
		return nil
	}
	out := make([]byte, w*h)
	n := 0
	for i, l := range labels {
		if l == c {
			out[i] = 1
			n++
		}
	}
	if n < w*h/20 {
		return nil
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// grabCutBody segments the body from its surroundings with GrabCut,
// seeded with the centre of the frame as body and the frame border as
// surroundings. It returns a w*h mask (255 = body).
func grabCutBody(img gocv.Mat) []byte {
	// A small seed keeps a towel of a skin-like colour out; when the body it
	// finds is lopsided around the centre (part of the back lit differently
	// was lost), a larger probable-body seed brings the rest back.
	m := grabCut(img, false)
	if m == nil || lopsided(m, img.Cols(), img.Rows()) < 0.8 {
		m2 := grabCut(img, true)
		if m == nil || (m2 != nil && sameSkin(img, m, m2)) {
			return m2
		}
	}
	return m
}

// sameSkin reports whether what mask b adds to mask a has the colour
// (chroma) of a: more of the same skin, not a towel.
func sameSkin(img gocv.Mat, a, b []byte) bool {
	lab := gocv.NewMat()
	defer lab.Close()
	gocv.CvtColor(img, &lab, gocv.ColorBGRToLab)
	px := lab.ToBytes()
	var sa, sb [2]float64
	var na, nb float64
	for i := range a {
		switch {
		case a[i] != 0:
			sa[0] += float64(px[3*i+1])
			sa[1] += float64(px[3*i+2])
			na++
		case b[i] != 0:
			sb[0] += float64(px[3*i+1])
			sb[1] += float64(px[3*i+2])
			nb++
		}
	}
	if na == 0 || nb == 0 {
		return na == 0
	}
	return math.Hypot(sa[0]/na-sb[0]/nb, sa[1]/na-sb[1]/nb) < 8
}

// lopsided compares how far the mask reaches left and right of the centre
// on the middle rows: 1 is symmetric, 0 one-sided.
func lopsided(m []byte, w, h int) float64 {
	var ratios []float64
	for y := h * 2 / 5; y < h*3/5; y += 4 {
		l, r := 0, 0
		for x := w / 2; x >= 0 && m[y*w+x] != 0; x-- {
			l++
		}
		for x := w / 2; x < w && m[y*w+x] != 0; x++ {
			r++
		}
		if l == 0 || r == 0 {
			ratios = append(ratios, 0)
			continue
		}
		ratios = append(ratios, float64(min(l, r))/float64(max(l, r)))
	}
	return median(ratios)
}

// GrabCut runs at most grabCutIters iterations, and stops once one moves
// fewer than 1/grabCutSettled of the pixels between body and surroundings:
// on the testdata videos the first iteration moves 1-8 %, the third and
// later ones 0-0.2 %, back and forth.
const (
	grabCutIters   = 5
	grabCutSettled = 1000
)

// relabelled counts the pixels that two GrabCut masks put on different
// sides (body: GC_FGD or GC_PR_FGD, the odd values).
func relabelled(a, b []byte) int {
	n := 0
	for i := range a {
		if (a[i]^b[i])&1 != 0 {
			n++
		}
	}
	return n
}

// grabCut runs GrabCut seeded with the centre as body (and, when wide, a
// larger ellipse as probably body) and the frame border as surroundings.
func grabCut(img gocv.Mat, wide bool) []byte {
	w, h := img.Cols(), img.Rows()
	sw, sh := w/2, h/2
	small := gocv.NewMat()
	defer small.Close()
	gocv.Resize(img, &small, image.Pt(sw, sh), 0, 0, gocv.InterpolationArea)
	init := make([]byte, sw*sh)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			dx := (float64(x) - float64(sw)/2) / (0.16 * float64(sw))
			dy := (float64(y) - float64(sh)/2) / (0.22 * float64(sh))
			switch {
			case x < 2 || y < 2 || x >= sw-2 || y >= sh-2:
				init[y*sw+x] = 0 // GC_BGD
			case dx*dx+dy*dy <= 1:
				init[y*sw+x] = 1 // GC_FGD
			case wide && dx*dx/4+dy*dy/2.6 <= 1:
				init[y*sw+x] = 3 // GC_PR_FGD
			default:
				init[y*sw+x] = 2 // GC_PR_BGD
			}
		}
	}
	mask, err := gocv.NewMatFromBytes(sh, sw, gocv.MatTypeCV8UC1, init)
	if err != nil {
		return nil
	}
	defer mask.Close()
	bgd, fgd := gocv.NewMat(), gocv.NewMat()
	defer bgd.Close()
	defer fgd.Close()
	// GrabCut's k-means draws from OpenCV's per-thread generator: seed it on
	// this thread so calibration is the same every time.
	runtime.LockOSThread()
	seedOpenCVRNG(12345)
	// One iteration at a time (the models carry over in bgd and fgd, so
	// this is what one call with more iterations computes), until the
	// segmentation settles.
	var res []byte
	mode := gocv.GCInitWithMask
	for it := 0; it < grabCutIters; it++ {
		gocv.GrabCut(small, &mask, image.Rect(0, 0, sw, sh), &bgd, &fgd, 1, mode)
		mode = gocv.GCEval
		cur := mask.ToBytes()
		settled := it > 0 && relabelled(res, cur) <= len(cur)/grabCutSettled
		res = cur
		if settled {
			break
		}
	}
	runtime.UnlockOSThread()
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := res[min(y/2, sh-1)*sw+min(x/2, sw-1)]
			if v == 1 || v == 3 {
				out[y*w+x] = 255
			}
		}
	}
	return out
}

// otsu returns the Otsu threshold of values in [lo, hi].
func otsu(v []float64, lo, hi float64) float64 {
	const bins = 64
	var hist [bins]float64
	for _, x := range v {
		b := int((x - lo) / (hi - lo) * bins)
		if b < 0 {
			b = 0
		}
		if b >= bins {
			b = bins - 1
		}
		hist[b]++
	}
	total := float64(len(v))
	var sum float64
	for i, c := range hist {
		sum += float64(i) * c
	}
	var wB, sumB, best float64
	bestI := bins / 2
	for i, c := range hist {
		wB += c
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i) * c
		mB := sumB / wB
		mF := (sum - sumB) / wF
		between := wB * wF * (mB - mF) * (mB - mF)
		if between > best {
			best, bestI = between, i
		}
	}
	return lo + (float64(bestI)+1)*(hi-lo)/bins
}

// backFromMask measures the torso in a canonical (head-up) body mask and
// its grey image. The body (torso, arms, neck) is symmetric about the
// spine, so a first pass finds the spine's direction; the mask and image
// are then turned so that the spine is vertical and measured again, rows
// now running straight across the back (see measureBack):
//   - spine: the direction of the spine's groove where it shows (light from
//     one side shifts its darkest line sideways, not its direction), placed
//     by the middle of the body on the lower back, where the arms lie off
//     the torso's sides; else the line through the rows' middles;
//   - waist W: where the lower-body cover (or the frame's edge) starts
//     along the spine;
//   - shoulder line N: a set fraction of the way from the waist to the top
//     of the shoulders (the body's upper edge between neck and shoulder
//     joints);
//   - half width: from the spine to the torso's sides about mid-back, the
//     crease between torso and arm where an arm lies against the torso.
func backFromMask(m, lum []byte, w, h int) (models.Back, bool) {
	b, slope, ok := measureBack(m, lum, w, h)
	if !ok {
		return b, false
	}
	// Stand the body upright (spine vertical) and measure again, so rows
	// run across the back, not obliquely; twice, as the first slope comes
	// from oblique rows.
	angle := 0.0
	for it := 0; it < 2 && math.Abs(slope) > 0.005; it++ {
		angle += math.Atan(slope)
		cx, cy := float64(w)/2, float64(h)/2
		rm, rl := rotateBytes(m, lum, w, h, cx, cy, angle)
		rb, rs, rok := measureBack(rm, rl, w, h)
		if !rok {
			break
		}
		back := func(p models.Point) models.Point { return rotatePoint(p, cx, cy, angle) }
		b = models.Back{SpineBottom: back(rb.SpineBottom), SpineTop: back(rb.SpineTop), HalfWidth: rb.HalfWidth}
		slope = rs
	}
	return b, true
}

// rotatePoint maps a point of the upright frame (rotated by angle about
// (cx, cy)) to the source frame.
func rotatePoint(p models.Point, cx, cy, angle float64) models.Point {
	c, s := math.Cos(angle), math.Sin(angle)
	dx, dy := p.X-cx, p.Y-cy
	return models.Point{X: cx + c*dx + s*dy, Y: cy - s*dx + c*dy}
}

// rotateBytes resamples a mask (nearest) and a grey image (bilinear) into
// the upright frame: pixel P of the result shows rotatePoint(P). Pixels
// from outside the source are not body (mask 0).
func rotateBytes(m, lum []byte, w, h int, cx, cy, angle float64) ([]byte, []byte) {
	om := make([]byte, w*h)
	ol := make([]byte, w*h)
	c, s := math.Cos(angle), math.Sin(angle)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Pixel centres.
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			sx, sy := cx+c*dx+s*dy-0.5, cy-s*dx+c*dy-0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
				continue
			}
			fx, fy := sx-float64(x0), sy-float64(y0)
			i := y0*w + x0
			v := (1-fy)*((1-fx)*float64(lum[i])+fx*float64(lum[i+1])) +
				fy*((1-fx)*float64(lum[i+w])+fx*float64(lum[i+w+1]))
			ol[y*w+x] = byte(math.Round(v))
			nx, ny := int(math.Round(sx)), int(math.Round(sy))
			om[y*w+x] = m[ny*w+nx]
		}
	}
	return om, ol
}

// measureBack measures the back in a body mask whose spine runs roughly
// vertically; it also returns the spine's slope dx/dy.
func measureBack(m, lum []byte, w, h int) (models.Back, float64, bool) {
	var n, sx float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if m[y*w+x] != 0 {
				n++
				sx += float64(x)
			}
		}
	}
	if n == 0 {
		return models.Back{}, 0, false
	}
	type row = span
	rows := make([]row, h)
	// Walk up from the bottom following the run's midpoint.
	mid := sx / n
	scan := func(y int, mx float64) row {
		x0 := int(math.Round(mx))
		if x0 < 0 || x0 >= w {
			return row{}
		}
		if m[y*w+x0] == 0 {
			// Look for skin near the expected midpoint.
			found := false
			for d := 1; d < w/8 && !found; d++ {
				for _, x := range []int{x0 - d, x0 + d} {
					if x >= 0 && x < w && m[y*w+x] != 0 {
						x0, found = x, true
						break
					}
				}
			}
			if !found {
				return row{}
			}
		}
		l, r := x0, x0
		for gap := 0; l > 0 && gap <= 2; {
			if m[y*w+l-1] != 0 {
				gap = 0
			} else {
				gap++
			}
			l--
		}
		for gap := 0; r < w-1 && gap <= 2; {
			if m[y*w+r+1] != 0 {
				gap = 0
			} else {
				gap++
			}
			r++
		}
		for l < x0 && m[y*w+l] == 0 {
			l++
		}
		for r > x0 && m[y*w+r] == 0 {
			r--
		}
		return row{left: float64(l), right: float64(r) + 1, ok: true}
	}
	for y := h - 1; y >= 0; y-- {
		r := scan(y, mid)
		rows[y] = r
		if r.ok {
			mid = 0.7*mid + 0.3*(r.left+r.right)/2
		}
	}
	width := func(y int) float64 {
		if !rows[y].ok {
			return 0
		}
		return rows[y].right - rows[y].left
	}
	maxW := 0.0
	for y := range rows {
		maxW = math.Max(maxW, width(y))
	}
	if maxW < float64(w)/10 {
		return models.Back{}, 0, false
	}
	// Waist: the lowest row of a long run of body rows (at least 35 % of
	// the widest row).
	waist, top := -1, -1
	for y := h - 1; y >= 0; y-- {
		if width(y) >= 0.35*maxW {
			waist = y
			break
		}
	}
	if waist < 0 {
		return models.Back{}, 0, false
	}
	for y := waist; y >= 0 && width(y) >= 0.35*maxW; y-- {
		if width(y) >= 0.8*maxW {
			top = y
		}
	}
	if top < 0 || waist-top < h/6 {
		return models.Back{}, 0, false
	}
	length := float64(waist - top)
	// Spine: least-squares line x = a + b*y through the rows' spine
	// points: the groove of the spine (the darkest line near the middle of
	// the row) where there is one, else the middle of the body.
	groove := spineGroove(rows, lum, w, top, waist)
	var ys, xs, gys, gxs, lowRes []float64
	for y := top; y <= waist; y++ {
		if !rows[y].ok {
			continue
		}
		ys = append(ys, float64(y))
		xs = append(xs, (rows[y].left+rows[y].right)/2)
		if g := groove[y]; g > 0 {
			gys = append(gys, float64(y))
			gxs = append(gxs, g)
		}
	}
	a, b, ok := robustLine(ys, xs)
	if !ok {
		return models.Back{}, 0, false
	}
	if ga, gb, gok := robustLine(gys, gxs); gok && len(gys) >= len(ys)/3 {
		// The groove runs along the spine, but light from one side
		// shifts its darkest line sideways: take its direction, and its
		// place from the middle of the lower back, where the arms are
		// off the torso's sides.
		for i, y := range ys {
			if f := (float64(waist) - y) / length; f >= 0.05 && f <= 0.45 {
				lowRes = append(lowRes, xs[i]-ga-gb*y)
			}
		}
		if len(lowRes) >= 5 {
			a, b = ga+median(lowRes), gb
		}
	}
	// Half width: the median over the rows of the middle back of the
	// distance from the spine to the torso's sides (see torsoHalfWidth);
	// first over a wide band to find the shoulders, then over the band
	// about mid-back, between the waist and the shoulder line found.
	halfW, ok := torsoHalfWidth(rows, lum, w, a, b, float64(waist)+1-0.1*length, float64(waist)+1-0.7*length)
	if !ok {
		return models.Back{}, 0, false
	}
	wY := float64(waist) + 1
	if y, ok := waistAtSpine(m, w, h, a, b, halfW, top, waist); ok {
		wY = y
	}
	W := models.Point{X: a + b*wY, Y: wY}
	nY := float64(top)
	if t, ok := shoulderTop(m, w, h, a, b, halfW, top, waist); ok {
		nY = W.Y - shoulderFrac*(W.Y-t)
	}
	bl := W.Y - nY
	if hw2, ok := torsoHalfWidth(rows, lum, w, a, b, W.Y-halfBandLo*bl, W.Y-halfBandHi*bl); ok {
		halfW = hw2
	}
	N := models.Point{X: a + b*nY, Y: nY}
	if halfW < 5 || length > 6*halfW || halfW > 3*length {
		return models.Back{}, 0, false
	}
	return models.Back{SpineBottom: W, SpineTop: N, HalfWidth: halfW}, b, true
}

// span is one row of a body mask: the run's ends.
type span struct {
	left, right float64
	ok          bool
}

// spineGroove finds, in each body row from top to waist, the groove of the
// spine: the darkest point within a fifth of the body width of the row's
// middle, when it is clearly darker than both sides. It returns the groove's
// x per row (0 where there is none), smoothed along the back.
func spineGroove(rows []span, lum []byte, w, top, waist int) []float64 {
	g := make([]float64, len(rows))
	for y := top; y <= waist; y++ {
		r := rows[y]
		if !r.ok {
			continue
		}
		mid := (r.left + r.right) / 2
		half := (r.right - r.left) / 2
		reach := 0.2 * half
		best, bx := 1e9, -1
		for x := int(mid - reach); x <= int(mid+reach); x++ {
			if x < 0 || x >= w {
				continue
			}
			if v := float64(lum[y*w+x]); v < best {
				best, bx = v, x
			}
		}
		if bx < 0 {
			continue
		}
		side := func(d int) float64 {
			x := bx + d
			if x < 0 || x >= w {
				return 0
			}
			return float64(lum[y*w+x])
		}
		off := max(3, int(0.12*half))
		if side(-off)-best >= 4 && side(off)-best >= 4 {
			g[y] = float64(bx) + 0.5
		}
	}
	// Keep rows whose groove agrees with its neighbours (median of 9).
	out := make([]float64, len(rows))
	for y := top; y <= waist; y++ {
		if g[y] == 0 {
			continue
		}
		var near []float64
		for k := y - 4; k <= y+4; k++ {
			if k >= 0 && k < len(g) && g[k] > 0 {
				near = append(near, g[k])
			}
		}
		if len(near) >= 5 {
			m := median(near)
			if math.Abs(g[y]-m) <= 2 {
				out[y] = g[y]
			}
		}
	}
	return out
}

// robustLine fits x = a + b*y by least squares, then again without the
// points far from the first fit (rows where the body run took in something
// else), twice.
func robustLine(ys, xs []float64) (a, b float64, ok bool) {
	use := make([]bool, len(ys))
	for i := range use {
		use[i] = true
	}
	for it := 0; it < 3; it++ {
		var sy, sx, syy, sxy, n float64
		for i := range ys {
			if !use[i] {
				continue
			}
			sy += ys[i]
			sx += xs[i]
			syy += ys[i] * ys[i]
			sxy += ys[i] * xs[i]
			n++
		}
		den := n*syy - sy*sy
		if n < 5 || den == 0 {
			return 0, 0, false
		}
		b = (n*sxy - sy*sx) / den
		a = (sx - b*sy) / n
		res := make([]float64, 0, len(ys))
		for i := range ys {
			res = append(res, math.Abs(xs[i]-a-b*ys[i]))
		}
		lim := math.Max(2, 3*median(res))
		for i := range ys {
			use[i] = res[i] <= lim
		}
	}
	return a, b, true
}

// shoulderFrac is where the shoulder line lies between the waist and the
// top of the shoulders (the upper edge of the trapezius, seen from above):
// the line through the shoulder joints sits about a tenth of the back's
// length below that edge.
const shoulderFrac = 1 / 1.1

// shoulderTop finds the top of the shoulders in an upright body mask: the
// upper end of the body in the columns between the neck and the shoulder
// joints (0.5–0.85 half widths either side of the spine x = a + b*y),
// followed up from the upper back; the median over those columns.
func shoulderTop(m []byte, w, h int, a, b, halfW float64, top, waist int) (float64, bool) {
	y0 := top + (waist-top)/4
	var tops []float64
	for _, s := range []float64{-1, 1} {
		for f := 0.5; f <= 0.851; f += 0.05 {
			x := int(math.Floor(a + b*float64(top) + s*f*halfW))
			if x < 0 || x >= w || m[y0*w+x] == 0 {
				continue
			}
			y := y0
			for gap := 0; y > 0 && gap <= 2; {
				if m[(y-1)*w+x] != 0 {
					gap = 0
				} else {
					gap++
				}
				y--
			}
			for y < y0 && m[y*w+x] == 0 {
				y++
			}
			if y > 0 {
				tops = append(tops, float64(y))
			}
		}
	}
	if len(tops) < 4 {
		return 0, false
	}
	return median(tops), true
}

// The band of the back (in v) over which the half width is measured: about
// mid-back, where the truth's H is defined, below the shoulder blades.
const halfBandLo, halfBandHi = 0.3, 0.65

// torsoHalfWidth measures the half width of the torso over the rows from
// y0 up to y1 (y0 > y1): per row and side, the distance from the spine
// (x = a + b*y) to the torso's edge (torsoEdge), the mean of the two sides;
// the median over the rows, across the spine's direction.
func torsoHalfWidth(rows []span, lum []byte, w int, a, b, y0, y1 float64) (float64, bool) {
	var hw []float64
	for y := int(math.Round(y0)); y >= int(math.Round(y1)) && y >= 0; y-- {
		if y >= len(rows) || !rows[y].ok {
			continue
		}
		mid := a + b*float64(y)
		l := torsoEdge(rows[y], lum, w, y, mid, -1)
		r := torsoEdge(rows[y], lum, w, y, mid, 1)
		if l <= 0 || r <= 0 {
			continue
		}
		hw = append(hw, (l+r)/2/math.Sqrt(1+b*b))
	}
	if len(hw) < 3 {
		return 0, false
	}
	return median(hw), true
}

// torsoEdge returns the distance from the spine (x = mid) to the torso's
// edge on one side (dir -1 left, +1 right) of a body row: the first crease
// outward from the middle of the side — a dark line with brighter skin on
// both sides (the torso inside, the arm lying against it outside) — its
// edge where the brightness falls most steeply into it from the torso (the
// torso's rim turning away from the camera); or, when there is no crease,
// the edge of the body.
func torsoEdge(r span, lum []byte, w, y int, mid, dir float64) float64 {
	edge := r.right - mid
	if dir < 0 {
		edge = mid - r.left
	}
	if edge <= 0 {
		return 0
	}
	at := func(d int) float64 {
		x := int(math.Floor(mid + dir*float64(d)))
		if x < 0 || x >= w {
			return 255
		}
		return float64(lum[y*w+x])
	}
	n := int(edge)
	p := make([]float64, n+1)
	for d := range p {
		p[d] = at(d)
	}
	d0 := int(0.45 * edge)
	inMax := 0.0
	for d := d0; d <= n-3; d++ {
		inMax = math.Max(inMax, p[d])
		if d < d0+2 || p[d] > p[d-1] || p[d] > p[d-2] || p[d] > p[d+1] || p[d] > p[d+2] {
			continue
		}
		if inMax-p[d] < 10 {
			continue
		}
		outMax := 0.0
		for k := d + 1; k <= min(d+12, n); k++ {
			outMax = math.Max(outMax, p[k])
		}
		if outMax-p[d] < 10 {
			continue
		}
		// The edge: the steepest fall into the crease from the torso.
		best, bestK := 0.0, d
		for k := d; k > d0 && p[k-1] > p[k]; k-- {
			if g := p[k-1] - p[k]; g > best {
				best, bestK = g, k
			}
		}
		return float64(bestK) - 0.5
	}
	return edge
}

// waistAtSpine finds the waist in an upright body mask: where the
// lower-body cover (or the frame's edge) starts along the spine, followed
// down from mid-back in the columns within 0.3 half widths of the spine
// (x = a + b*y). Short breaks (a partner's hand or forearm lying across)
// are stepped over; the median over the columns is the waist's y.
func waistAtSpine(m []byte, w, h int, a, b, halfW float64, top, waist int) (float64, bool) {
	y0 := (top + waist) / 2
	maxGap := max(3, (waist-top)/8)
	var ends []float64
	for f := -0.3; f <= 0.301; f += 0.05 {
		x := int(math.Floor(a + b*float64(y0) + f*halfW))
		if x < 0 || x >= w || m[y0*w+x] == 0 {
			continue
		}
		last := y0
		for y, gap := y0+1, 0; y < h && gap <= maxGap; y++ {
			if m[y*w+x] != 0 {
				last, gap = y, 0
			} else {
				gap++
			}
		}
		ends = append(ends, float64(last)+1)
	}
	if len(ends) < 5 {
		return 0, false
	}
	return median(ends), true
}
