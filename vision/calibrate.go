package vision

import (
	"image"
	"math"
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
	b, ok := backFromMask(mask, w, h)
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
	dist := make([]float64, w*h)
	hist := make([]float64, 0, w*h/4)
	for i := 0; i < w*h; i++ {
		l, a, b := float64(px[3*i]), float64(px[3*i+1]), float64(px[3*i+2])
		d := math.Hypot(a-a0, b-b0) + 0.25*math.Abs(l-l0)
		dist[i] = d
		if i%4 == 0 {
			hist = append(hist, d)
		}
	}
	thr := otsu(hist, 0, 60)
	if thr < 6 {
		thr = 6
	}
	if thr > 25 {
		thr = 25
	}
	m := make([]byte, w*h)
	for i, d := range dist {
		if d < thr {
			m[i] = 255
		}
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

// backFromMask measures the torso in a canonical (head-up) body mask.
func backFromMask(m []byte, w, h int) (models.Back, bool) {
	// Principal axis of the mask.
	var n, sx, sy float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if m[y*w+x] != 0 {
				n++
				sx += float64(x)
				sy += float64(y)
			}
		}
	}
	if n == 0 {
		return models.Back{}, false
	}
	cx, cy := sx/n, sy/n
	var sxx, syy, sxy float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if m[y*w+x] != 0 {
				dx, dy := float64(x)-cx, float64(y)-cy
				sxx += dx * dx
				syy += dy * dy
				sxy += dx * dy
			}
		}
	}
	theta := 0.5 * math.Atan2(2*sxy, sxx-syy) // major axis angle
	// The body is longer than wide and roughly vertical; keep the tilt small.
	dir := models.Point{X: math.Cos(theta), Y: math.Sin(theta)}
	if math.Abs(dir.Y) < 0.8 {
		dir = models.Point{X: 0, Y: 1}
	}
	if dir.Y > 0 { // point up (towards the head)
		dir = dir.Scale(-1)
	}
	perp := models.Point{X: -dir.Y, Y: dir.X} // to the image right
	at := func(p models.Point) bool {
		x, y := int(math.Round(p.X)), int(math.Round(p.Y))
		return x >= 0 && y >= 0 && x < w && y < h && m[y*w+x] != 0
	}
	// Width profile along the axis, measured from a running midline.
	type row struct {
		s, left, right float64
		ok             bool
	}
	c := models.Point{X: cx, Y: cy}
	span := float64(h + w)
	var rows []row
	mid := 0.0
	for s := -span; s <= span; s++ {
		p := c.Add(dir.Scale(s)).Add(perp.Scale(mid))
		if !at(p) {
			rows = append(rows, row{s: s})
			continue
		}
		l, r := 0.0, 0.0
		gap := 0
		for d := 1.0; d < span; d++ {
			if at(p.Add(perp.Scale(-d))) {
				l, gap = d, 0
			} else if gap++; gap > 2 {
				break
			}
		}
		gap = 0
		for d := 1.0; d < span; d++ {
			if at(p.Add(perp.Scale(d))) {
				r, gap = d, 0
			} else if gap++; gap > 2 {
				break
			}
		}
		rows = append(rows, row{s: s, left: l, right: r, ok: true})
	}
	// The torso: the longest run of rows whose width is at least 40 % of the
	// median width of the body rows.
	var widths []float64
	for _, r := range rows {
		if r.ok {
			widths = append(widths, r.left+r.right)
		}
	}
	if len(widths) < 10 {
		return models.Back{}, false
	}
	medW := median(widths)
	bestA, bestB, a := -1, -1, -1
	for i := 0; i <= len(rows); i++ {
		in := i < len(rows) && rows[i].ok && rows[i].left+rows[i].right >= 0.6*medW
		if in && a < 0 {
			a = i
		}
		if !in && a >= 0 {
			if i-a > bestB-bestA {
				bestA, bestB = a, i
			}
			a = -1
		}
	}
	if bestA < 0 || bestB-bestA < 10 {
		return models.Back{}, false
	}
	// Rows run from the waist side (s negative = down) to the head side.
	// In canonical orientation dir points up, so s grows towards the head.
	waist := rows[bestA]
	top := rows[bestB-1]
	length := top.s - waist.s
	// Half width: the median half width over the middle of the torso.
	var hw []float64
	for i := bestA + (bestB-bestA)/5; i < bestA+(bestB-bestA)*3/5; i++ {
		hw = append(hw, (rows[i].left+rows[i].right)/2)
	}
	halfW := median(hw)
	pt := func(r row) models.Point {
		return c.Add(dir.Scale(r.s)).Add(perp.Scale((r.right - r.left) / 2))
	}
	W := pt(waist)
	N := pt(top)
	if length < 10 || halfW < 5 || length > 6*halfW || halfW > 3*length {
		return models.Back{}, false
	}
	return models.Back{SpineBottom: W, SpineTop: N, HalfWidth: halfW}, true
}
