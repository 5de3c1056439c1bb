package vision

import (
	"image"
	"math"
	"sort"

	"github.com/backcoach/backcoach/models"
	"gocv.io/x/gocv"
)

// ClassicTracker follows the partner's palms with a background model of the
// back and the geometry of the arm blobs that enter from the frame edge:
//
//   - the background is the per-pixel median of hand-free (or moving-hand)
//     frames, updated slowly where no hand is;
//   - each frame is divided by a global gain (exposure drift, flicker) and a
//     pixel is foreground when it lies outside the 3×3 min/max of the
//     background plus a margin (shake and breathing give no foreground);
//   - an arm enters from the frame edge and the hand is the far end of its
//     blob: geodesic distance from the edge contact finds it, and the palm
//     centre is the centre of the largest inscribed circle near that end;
//   - tracks are predicted with constant velocity, matched greedily, coast a
//     few frames, and need 3 detections before they are reported.
type ClassicTracker struct {
	back  models.Back
	scale float64 // full-res pixels per working pixel
	w, h  int     // working size
	palmW float64 // expected palm width, working pixels

	bgF   gocv.Mat // CV_32FC3 background accumulator
	bg    gocv.Mat // CV_8UC3 background
	lo    []byte   // background minus margin (3×3 min)
	hi    []byte   // background plus margin (3×3 max)
	small gocv.Mat // current frame, working size
	fg    gocv.Mat // foreground mask
	tmp   gocv.Mat
	upd   gocv.Mat // background update mask
	dt    gocv.Mat
	lab   gocv.Mat
	stats gocv.Mat
	cents gocv.Mat
	kOpen gocv.Mat
	kClos gocv.Mat
	kUpd  gocv.Mat

	gain   float64
	frames int
	geo    []int32
	owner  []int32
	queue  []int32

	tracks []*track
	nextID int

	// Margin is the foreground margin in grey levels.
	margin int
	// Detections, when set, receives the raw detections of each frame
	// (working pixels scaled to full resolution); for the hybrid tracker.
	lastDetections []Detection
}

// Detection is a raw palm candidate of one frame, before tracking.
type Detection struct {
	Center models.Point // palm centre, full-resolution pixels
	Tip    models.Point // far end of the arm blob
	Entry  models.Point // where the arm enters the frame
	Radius float64      // inscribed radius of the palm, full-resolution pixels
	Reach  float64      // geodesic length of the arm from the edge, full-res px
}

const (
	classicWorkWidth = 320
	bgUpdateEvery    = 10
	bgAlpha          = 0.05
)

// NewClassicTracker makes a classic tracker whose background is the
// per-pixel median of frames (the calibration frames: hands that move
// among them vanish from the median).
func NewClassicTracker(back models.Back, frames []gocv.Mat) *ClassicTracker {
	t := &ClassicTracker{back: back, margin: 22, gain: 1}
	fw, fh := frames[0].Cols(), frames[0].Rows()
	t.scale = math.Max(1, float64(fw)/classicWorkWidth)
	t.w = int(math.Round(float64(fw) / t.scale))
	t.h = int(math.Round(float64(fh) / t.scale))
	t.palmW = expectedPalmWidth(back) / t.scale
	t.small = gocv.NewMat()
	t.fg = gocv.NewMatWithSize(t.h, t.w, gocv.MatTypeCV8UC1)
	t.tmp = gocv.NewMat()
	t.upd = gocv.NewMat()
	t.dt = gocv.NewMat()
	t.lab = gocv.NewMat()
	t.stats = gocv.NewMat()
	t.cents = gocv.NewMat()
	t.kOpen = gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(3, 3))
	t.kClos = gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(5, 5))
	t.kUpd = gocv.GetStructuringElement(gocv.MorphRect, image.Pt(9, 9))
	t.bg = medianBackground(frames, t.w, t.h)
	t.bgF = gocv.NewMat()
	t.bg.ConvertTo(&t.bgF, gocv.MatTypeCV32FC3)
	n := t.w * t.h
	t.geo = make([]int32, n)
	t.owner = make([]int32, n)
	t.queue = make([]int32, 0, n)
	t.refreshBounds()
	return t
}

// expectedPalmWidth is the palm width a partner's hand has on this back, in
// full-resolution pixels: about 0.18 back lengths or 0.47 half widths.
func expectedPalmWidth(b models.Back) float64 {
	a := 0.18 * b.Length()
	c := 0.47 * b.HalfWidth
	if a <= 0 {
		return math.Max(c, 8)
	}
	if c <= 0 {
		return math.Max(a, 8)
	}
	return math.Max((a+c)/2, 8)
}

// medianBackground resizes frames to w×h and returns their per-pixel median.
func medianBackground(frames []gocv.Mat, w, h int) gocv.Mat {
	// Use at most 15 frames spread over the set.
	step := 1
	if len(frames) > 15 {
		step = len(frames) / 15
	}
	var bufs [][]byte
	m := gocv.NewMat()
	for i := 0; i < len(frames); i += step {
		gocv.Resize(frames[i], &m, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
		b := m.ToBytes()
		bufs = append(bufs, b)
	}
	m.Close()
	out := make([]byte, w*h*3)
	vals := make([]byte, len(bufs))
	for i := range out {
		for k := range bufs {
			vals[k] = bufs[k][i]
		}
		out[i] = medianBytes(vals)
	}
	bg, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, out)
	if err != nil {
		return gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	}
	return bg
}

func medianBytes(v []byte) byte {
	if len(v) == 1 {
		return v[0]
	}
	// insertion sort: v is short
	for i := 1; i < len(v); i++ {
		x := v[i]
		j := i - 1
		for j >= 0 && v[j] > x {
			v[j+1] = v[j]
			j--
		}
		v[j+1] = x
	}
	return v[len(v)/2]
}

// refreshBounds recomputes the 3×3 min/max of the background with margins.
func (t *ClassicTracker) refreshBounds() {
	k := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(3, 3))
	defer k.Close()
	gocv.Erode(t.bg, &t.tmp, k)
	lo := t.tmp.ToBytes()
	gocv.Dilate(t.bg, &t.tmp, k)
	hi := t.tmp.ToBytes()
	m := t.margin
	for i := range lo {
		lo[i] = byte(clampInt(int(lo[i])-m, 0, 255))
		hi[i] = byte(clampInt(int(hi[i])+m, 0, 255))
	}
	t.lo, t.hi = lo, hi
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Name implements Tracker.
func (t *ClassicTracker) Name() string { return "classic" }

// Detections returns the raw palm candidates of the last frame.
func (t *ClassicTracker) Detections() []Detection { return t.lastDetections }

// Track implements Tracker.
func (t *ClassicTracker) Track(frame gocv.Mat, ts float64) []models.Hand {
	if frame.Empty() {
		return t.step(nil, ts)
	}
	gocv.Resize(frame, &t.small, image.Pt(t.w, t.h), 0, 0, gocv.InterpolationArea)
	dets := t.detect()
	t.lastDetections = dets
	t.frames++
	if t.frames%bgUpdateEvery == 0 {
		t.updateBackground()
	}
	return t.step(dets, ts)
}

// foreground fills t.fg from t.small.
func (t *ClassicTracker) foreground() {
	px, err := t.small.DataPtrUint8()
	if err != nil {
		return
	}
	bgpx, err := t.bg.DataPtrUint8()
	if err != nil {
		return
	}
	fg, err := t.fg.DataPtrUint8()
	if err != nil {
		return
	}
	// Global gain: median ratio of frame to background brightness over a
	// sparse grid of pixels that were background in the last frame.
	var ratios []float64
	for y := 2; y < t.h; y += 8 {
		for x := 2; x < t.w; x += 8 {
			i := y*t.w + x
			if fg[i] != 0 {
				continue
			}
			a := int(px[3*i]) + int(px[3*i+1]) + int(px[3*i+2])
			b := int(bgpx[3*i]) + int(bgpx[3*i+1]) + int(bgpx[3*i+2])
			if b > 60 && a > 30 {
				ratios = append(ratios, float64(a)/float64(b))
			}
		}
	}
	if len(ratios) > 20 {
		sort.Float64s(ratios)
		g := ratios[len(ratios)/2]
		if g > 0.5 && g < 2 {
			t.gain = g
		}
	}
	inv := int(math.Round(1024 / t.gain))
	lo, hi := t.lo, t.hi
	for i := range fg {
		j := 3 * i
		b := (int(px[j]) * inv) >> 10
		g := (int(px[j+1]) * inv) >> 10
		r := (int(px[j+2]) * inv) >> 10
		if b < int(lo[j]) || b > int(hi[j]) || g < int(lo[j+1]) || g > int(hi[j+1]) || r < int(lo[j+2]) || r > int(hi[j+2]) {
			fg[i] = 255
		} else {
			fg[i] = 0
		}
	}
	gocv.MorphologyEx(t.fg, &t.tmp, gocv.MorphOpen, t.kOpen)
	gocv.MorphologyEx(t.tmp, &t.fg, gocv.MorphClose, t.kClos)
}

// detect finds palm candidates in the current working frame.
func (t *ClassicTracker) detect() []Detection {
	t.foreground()
	n := gocv.ConnectedComponentsWithStatsWithParams(t.fg, &t.lab, &t.stats, &t.cents, 8, gocv.MatTypeCV16U, gocv.CCL_DEFAULT)
	if n <= 1 {
		return nil
	}
	gocv.DistanceTransform(t.fg, &t.dt, &t.tmp, gocv.DistL2, gocv.DistanceMask5, gocv.DistanceLabelCComp)
	labels, err := t.lab.DataPtrUint16()
	if err != nil {
		return nil
	}
	dist, err := t.dt.DataPtrFloat32()
	if err != nil {
		return nil
	}
	minArea := int(0.6 * t.palmW * t.palmW)
	var dets []Detection
	for c := 1; c < n; c++ {
		area := int(t.stats.GetIntAt(c, 4))
		if area < minArea {
			continue
		}
		x0 := int(t.stats.GetIntAt(c, 0))
		y0 := int(t.stats.GetIntAt(c, 1))
		bw := int(t.stats.GetIntAt(c, 2))
		bh := int(t.stats.GetIntAt(c, 3))
		if x0 > 1 && y0 > 1 && x0+bw < t.w-1 && y0+bh < t.h-1 {
			continue // not connected to the frame edge: not an arm
		}
		dets = append(dets, t.handsInBlob(labels, dist, uint16(c), image.Rect(x0, y0, x0+bw, y0+bh))...)
	}
	return dets
}

// handsInBlob runs a geodesic flood fill from the blob's frame-edge contacts
// and returns the palm at the far end of each arm.
func (t *ClassicTracker) handsInBlob(labels []uint16, dist []float32, c uint16, box image.Rectangle) []Detection {
	w, h := t.w, t.h
	// Contact segments along the border, walked around the perimeter.
	var perim []int32
	for x := 0; x < w; x++ {
		perim = append(perim, int32(x))
	}
	for y := 1; y < h; y++ {
		perim = append(perim, int32(y*w+w-1))
	}
	for x := w - 2; x >= 0; x-- {
		perim = append(perim, int32((h-1)*w+x))
	}
	for y := h - 2; y > 0; y-- {
		perim = append(perim, int32(y*w))
	}
	// Start the walk at a pixel not in the blob so segments do not wrap.
	start := -1
	for i, p := range perim {
		if labels[p] != c {
			start = i
			break
		}
	}
	if start < 0 {
		return nil // the blob covers the whole border: not an arm
	}
	type seg struct {
		px []int32
	}
	var segs []seg
	var cur []int32
	for k := 0; k < len(perim); k++ {
		p := perim[(start+k)%len(perim)]
		if labels[p] == c {
			cur = append(cur, p)
		} else if len(cur) > 0 {
			segs = append(segs, seg{cur})
			cur = nil
		}
	}
	if len(cur) > 0 {
		segs = append(segs, seg{cur})
	}
	minSeg := int(math.Max(2, 0.15*t.palmW))
	// Multi-source BFS (8-connected, chamfer 2/3) from every contact segment.
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			i := y*w + x
			t.geo[i] = -1
			t.owner[i] = -1
		}
	}
	q := t.queue[:0]
	nseg := 0
	for _, s := range segs {
		if len(s.px) < minSeg {
			continue
		}
		for _, p := range s.px {
			t.geo[p] = 0
			t.owner[p] = int32(nseg)
			q = append(q, p)
		}
		nseg++
	}
	if nseg == 0 {
		return nil
	}
	// Dijkstra-lite: a bucket queue over integer chamfer distances.
	buckets := map[int32][]int32{0: q}
	maxD := int32(0)
	for d := int32(0); d <= maxD; d++ {
		bq := buckets[d]
		delete(buckets, d)
		for bi := 0; bi < len(bq); bi++ {
			p := bq[bi]
			if t.geo[p] != d {
				continue
			}
			px, py := int(p)%w, int(p)/w
			for dy := -1; dy <= 1; dy++ {
				ny := py + dy
				if ny < box.Min.Y || ny >= box.Max.Y {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					if dx == 0 && dy == 0 {
						continue
					}
					nx := px + dx
					if nx < box.Min.X || nx >= box.Max.X {
						continue
					}
					np := int32(ny*w + nx)
					if labels[np] != c {
						continue
					}
					step := int32(2)
					if dx != 0 && dy != 0 {
						step = 3
					}
					nd := d + step
					if t.geo[np] < 0 || nd < t.geo[np] {
						t.geo[np] = nd
						t.owner[np] = t.owner[p]
						buckets[nd] = append(buckets[nd], np)
						if nd > maxD {
							maxD = nd
						}
					}
				}
			}
		}
	}
	t.queue = q[:0]
	_ = h
	// Per contact: the far end, then the palm near it.
	type far struct {
		d   int32
		p   int32
		sum [2]float64
		n   int
	}
	fars := make([]far, nseg)
	for i := range fars {
		fars[i].p = -1
	}
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			i := y*w + x
			o := t.owner[i]
			if o < 0 || labels[i] != c {
				continue
			}
			if t.geo[i] > fars[o].d {
				fars[o].d = t.geo[i]
				fars[o].p = int32(i)
			}
		}
	}
	var out []Detection
	for o := range fars {
		f := fars[o]
		reach := float64(f.d) / 2 // chamfer units → pixels
		if f.p < 0 || reach < 0.9*t.palmW {
			continue
		}
		// Palm: the largest inscribed circle among pixels within 1.6 palm
		// widths (geodesic) of the far end.
		band := int32(2 * 1.6 * t.palmW)
		best, bestP := float32(0), int32(-1)
		var ex, ey, en float64
		for y := box.Min.Y; y < box.Max.Y; y++ {
			for x := box.Min.X; x < box.Max.X; x++ {
				i := y*w + x
				if t.owner[i] != int32(o) || labels[i] != c {
					continue
				}
				if t.geo[i] < 4 {
					ex += float64(x)
					ey += float64(y)
					en++
				}
				if f.d-t.geo[i] > band {
					continue
				}
				if dist[i] > best {
					best, bestP = dist[i], int32(i)
				}
			}
		}
		if bestP < 0 {
			continue
		}
		// Sub-pixel centre: weighted centroid of the near-maximum ridge.
		bx, by := int(bestP)%w, int(bestP)/w
		var sx, sy, sw float64
		r := 2
		for y := by - r; y <= by+r; y++ {
			for x := bx - r; x <= bx+r; x++ {
				if x < 0 || y < 0 || x >= w || y >= h {
					continue
				}
				i := y*w + x
				if t.owner[i] != int32(o) || labels[i] != c {
					continue
				}
				d := float64(dist[i]) - 0.85*float64(best)
				if d <= 0 {
					continue
				}
				sx += d * float64(x)
				sy += d * float64(y)
				sw += d
			}
		}
		cx, cy := float64(bx), float64(by)
		if sw > 0 {
			cx, cy = sx/sw, sy/sw
		}
		s := t.scale
		det := Detection{
			Center: models.Point{X: (cx + 0.5) * s, Y: (cy + 0.5) * s},
			Tip:    models.Point{X: (float64(int(f.p)%w) + 0.5) * s, Y: (float64(int(f.p)/w) + 0.5) * s},
			Radius: float64(best) * s,
			Reach:  reach * s,
		}
		if en > 0 {
			det.Entry = models.Point{X: (ex/en + 0.5) * s, Y: (ey/en + 0.5) * s}
		}
		// A palm is wider than a wrist or a finger: reject thin ends.
		if float64(best) < 0.22*t.palmW {
			continue
		}
		out = append(out, det)
	}
	return out
}

// updateBackground blends the current frame into the background where no
// foreground is (with a safety margin), so slow changes are followed.
func (t *ClassicTracker) updateBackground() {
	gocv.Dilate(t.fg, &t.upd, t.kUpd)
	gocv.BitwiseNot(t.upd, &t.upd)
	sf := gocv.NewMat()
	defer sf.Close()
	t.small.ConvertToWithParams(&sf, gocv.MatTypeCV32FC3, float32(1/t.gain), 0)
	gocv.AccumulatedWeightedWithMask(sf, &t.bgF, bgAlpha, t.upd)
	t.bgF.ConvertTo(&t.bg, gocv.MatTypeCV8UC3)
	t.refreshBounds()
}

// Close implements Tracker.
func (t *ClassicTracker) Close() error {
	for _, m := range []*gocv.Mat{&t.bgF, &t.bg, &t.small, &t.fg, &t.tmp, &t.upd, &t.dt, &t.lab, &t.stats, &t.cents, &t.kOpen, &t.kClos, &t.kUpd} {
		m.Close()
	}
	return nil
}
