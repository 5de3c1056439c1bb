package vision

import (
	"image"
	"math"
	"os"
	"sort"
	"strconv"

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
	lo    gocv.Mat // CV_16UC3 background minus margin (3×3 min)
	hi    gocv.Mat // CV_16UC3 background plus margin (3×3 max)
	lut   gocv.Mat // 1×256 CV_16U: a pixel value divided by the gain
	lutIn int      // the gain's inverse (1024 / gain) the lut is for
	norm  gocv.Mat // CV_16UC3 current frame divided by the gain
	small gocv.Mat // current frame, working size
	fg    gocv.Mat // foreground mask
	tmp   gocv.Mat
	upd   gocv.Mat // background update mask
	dt    gocv.Mat
	kOpen gocv.Mat
	kClos gocv.Mat
	kUpd  gocv.Mat
	k3    gocv.Mat

	gain     float64
	frames   int
	geo      []int32
	buckets  [][]int32
	geoMat   gocv.Mat // geodesic distance as CV_32F
	geoMax   gocv.Mat // its local maxima (dilated)
	kExt     gocv.Mat // extremity neighbourhood (disk of 0.8 palm widths)
	gray     gocv.Mat
	half     gocv.Mat
	tmpHalf  gocv.Mat
	edges    gocv.Mat
	bgEdges  gocv.Mat
	local    []int32   // palmNear's distances (-1 = not reached)
	holeRuns []holeRun // fillHoles' scratch: the background's runs
	ratios   []float64 // foreground's gain samples, reused
	border   [4][]int  // pixel indices of the top, bottom, left and right edges
	lq       []int32

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
	classicWorkWidth = 160
	bgUpdateEvery    = 30
	bgAlpha          = 0.12
)

// NewClassicTracker makes a classic tracker whose background is the
// per-pixel median of frames (the calibration frames: hands that move
// among them vanish from the median).
func NewClassicTracker(back models.Back, frames []gocv.Mat) *ClassicTracker {
	t := &ClassicTracker{back: back, margin: envInt("BC_MARGIN", 22), gain: 1}
	fw, fh := frames[0].Cols(), frames[0].Rows()
	t.scale = math.Max(1, float64(fw)/classicWorkWidth)
	t.w = int(math.Round(float64(fw) / t.scale))
	t.h = int(math.Round(float64(fh) / t.scale))
	t.palmW = expectedPalmWidth(back) / t.scale
	t.small = gocv.NewMat()
	t.fg = gocv.NewMatWithSize(t.h, t.w, gocv.MatTypeCV8UC1)
	t.tmp = gocv.NewMat()
	t.gray = gocv.NewMat()
	t.half = gocv.NewMat()
	t.tmpHalf = gocv.NewMat()
	t.edges = gocv.NewMat()
	t.bgEdges = gocv.NewMat()
	t.upd = gocv.NewMat()
	t.dt = gocv.NewMat()
	t.lo = gocv.NewMat()
	t.hi = gocv.NewMat()
	t.lut = gocv.NewMatWithSize(1, 256, gocv.MatTypeCV16U)
	t.norm = gocv.NewMat()
	t.kOpen = gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(3, 3))
	t.kClos = gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(5, 5))
	t.kUpd = gocv.GetStructuringElement(gocv.MorphRect, image.Pt(9, 9))
	t.k3 = gocv.GetStructuringElement(gocv.MorphRect, image.Pt(3, 3))
	t.bg = medianBackground(frames, t.w, t.h)
	if m := os.Getenv("BC_MARGIN"); m == "" {
		t.margin = noiseMargin(frames, t.w, t.h)
	}
	t.bgF = gocv.NewMat()
	t.bg.ConvertTo(&t.bgF, gocv.MatTypeCV32FC3)
	n := t.w * t.h
	t.geo = make([]int32, n)
	t.border = borderRuns(t.w, t.h)
	t.buckets = make([][]int32, 3*(t.w+t.h)*2)
	t.geoMat = gocv.NewMatWithSize(t.h, t.w, gocv.MatTypeCV32F)
	t.geoMax = gocv.NewMat()
	r := int(math.Max(1, math.Round(0.8*t.palmW)))
	t.kExt = gocv.GetStructuringElement(gocv.MorphRect, image.Pt(2*r+1, 2*r+1))
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
	k := (len(frames) + step - 1) / step
	// The small copies share one block of memory (see frameBuffer).
	fb, err := newFrameBuffer(k, h, w, gocv.MatTypeCV8UC3)
	if err != nil {
		return gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3)
	}
	defer fb.Close()
	for j := 0; j < k; j++ {
		gocv.Resize(frames[j*step], &fb.frames[j], image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	}
	// A sorting network over whole images: each comparison is an
	// element-wise min and max of two of them, so that the images end up
	// sorted pixel by pixel and the middle one is the median.
	// The Mats trade places with tmp; fb and tmp close whatever they
	// hold at the end, each Mat once.
	imgs := fb.frames
	tmp := gocv.NewMat()
	defer tmp.Close()
	for _, p := range sortingNetwork(k) {
		a, b := &imgs[p[0]], &imgs[p[1]]
		gocv.Min(*a, *b, &tmp)
		gocv.Max(*a, *b, b)
		*a, tmp = tmp, *a
	}
	return imgs[k/2].Clone()
}

// sortingNetwork returns the comparisons (lower index first) that sort k
// values: Batcher's odd-even merge sort of the next power of two, without
// the comparisons that reach beyond k (values there count as the largest,
// so those comparisons change nothing).
func sortingNetwork(k int) [][2]int {
	n := 1
	for n < k {
		n *= 2
	}
	var pairs [][2]int
	for p := 1; p < n; p *= 2 {
		for q := p; q >= 1; q /= 2 {
			for j := q % p; j+q < n; j += 2 * q {
				for i := 0; i < q && i+j+q < n; i++ {
					if (i+j)/(2*p) == (i+j+q)/(2*p) && i+j+q < k {
						pairs = append(pairs, [2]int{i + j, i + j + q})
					}
				}
			}
		}
	}
	return pairs
}

// noiseMargin estimates the sensor noise from consecutive frames (robustly:
// the median absolute difference, so moving hands do not count) and returns
// the foreground margin: three standard deviations plus two grey levels.
func noiseMargin(frames []gocv.Mat, w, h int) int {
	if len(frames) < 2 {
		return 10
	}
	a, b := gocv.NewMat(), gocv.NewMat()
	defer func() { a.Close(); b.Close() }()
	// The differences are 0 to 255: count them, and the median is where
	// the counts pass half of them.
	var hist [256]int
	total := 0
	n := min(len(frames)-1, 8)
	gocv.Resize(frames[0], &b, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
	for k := 0; k < n; k++ {
		// frame k was frame k+1 of the last pair
		a, b = b, a
		gocv.Resize(frames[k+1], &b, image.Pt(w, h), 0, 0, gocv.InterpolationArea)
		pa, err1 := a.DataPtrUint8()
		pb, err2 := b.DataPtrUint8()
		if err1 != nil || err2 != nil {
			break
		}
		for i := 0; i < len(pa) && i < len(pb); i += 7 {
			d := int(pa[i]) - int(pb[i])
			if d < 0 {
				d = -d
			}
			hist[d]++
			total++
		}
	}
	med := 0.0 // the value at index total/2 in sorted order
	for d, seen := 0, 0; d < len(hist) && total > 0; d++ {
		seen += hist[d]
		if seen > total/2 {
			med = float64(d)
			break
		}
	}
	sigma := 1.4826 * med / math.Sqrt2
	return clampInt(int(math.Round(3*sigma+2)), 4, 24)
}

// refreshBounds recomputes the 3×3 min/max of the background with margins.
func (t *ClassicTracker) refreshBounds() {
	k := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(3, 3))
	defer k.Close()
	gocv.Erode(t.bg, &t.tmp, k)
	lo := t.tmp.ToBytes()
	gocv.Dilate(t.bg, &t.tmp, k)
	hi := t.tmp.ToBytes()
	// The background's own edges (its 3×3 gradient, widened by a pixel for
	// shake) are not new outlines.
	gocv.CvtColor(t.bg, &t.gray, gocv.ColorBGRToGray)
	gocv.MorphologyEx(t.gray, &t.bgEdges, gocv.MorphGradient, k)
	gocv.Dilate(t.bgEdges, &t.bgEdges, k)
	m := t.margin
	for i := range lo {
		lo[i] = byte(clampInt(int(lo[i])-m, 0, 255))
		hi[i] = byte(clampInt(int(hi[i])+m, 0, 255))
	}
	for _, b := range []struct {
		px  []byte
		dst *gocv.Mat
	}{{lo, &t.lo}, {hi, &t.hi}} {
		m, err := gocv.NewMatFromBytes(t.h, t.w, gocv.MatTypeCV8UC3, b.px)
		if err != nil {
			continue
		}
		m.ConvertTo(b.dst, gocv.MatTypeCV16UC3)
		m.Close()
	}
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
	t.shrink(frame)
	dets := t.detect()
	t.lastDetections = dets
	t.advance()
	return t.step(dets, ts)
}

// Observe takes frame into the background model without looking for
// hands, at a fraction of Track's work: what a tracker that follows the
// hands by other means needs (the hybrid one, with both hands followed).
// Detections then reports none.
func (t *ClassicTracker) Observe(frame gocv.Mat) {
	if frame.Empty() {
		return
	}
	t.shrink(frame)
	t.foreground()
	t.lastDetections = nil
	t.advance()
}

// advance counts a frame taken in and refreshes the background every
// bgUpdateEvery frames.
func (t *ClassicTracker) advance() {
	t.frames++
	if t.frames%bgUpdateEvery == 0 {
		t.updateBackground()
	}
}

// shrink resizes frame to the working size into t.small. Halving with
// bilinear interpolation averages 2×2 blocks exactly and is much cheaper
// than an area resize, so large factors are done in halving steps.
func (t *ClassicTracker) shrink(frame gocv.Mat) {
	src := frame
	for src.Cols() >= 2*t.w && src.Rows() >= 2*t.h && src.Cols()%2 == 0 && src.Rows()%2 == 0 {
		gocv.Resize(src, &t.half, image.Pt(src.Cols()/2, src.Rows()/2), 0, 0, gocv.InterpolationLinear)
		if src.Cols()/2 == t.w && src.Rows()/2 == t.h {
			t.half.CopyTo(&t.small)
			return
		}
		t.half.CopyTo(&t.tmpHalf)
		src = t.tmpHalf
	}
	gocv.Resize(src, &t.small, image.Pt(t.w, t.h), 0, 0, gocv.InterpolationArea)
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
	ratios := t.ratios[:0]
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
	t.ratios = ratios
	if len(ratios) > 20 {
		sort.Float64s(ratios)
		g := ratios[len(ratios)/2]
		if g > 0.5 && g < 2 {
			t.gain = g
		}
	}
	// Foreground: a channel of the frame, divided by the gain, outside
	// the background's bounds (16 bits: a quotient above 255 is out).
	if inv := int(math.Round(1024 / t.gain)); inv != t.lutIn {
		if lut, err := t.lut.DataPtrUint16(); err == nil && len(lut) == 256 {
			for v := range lut {
				lut[v] = uint16((v * inv) >> 10)
			}
			t.lutIn = inv
		}
	}
	gocv.LUT(t.small, t.lut, &t.norm)
	gocv.InRange(t.norm, t.lo, t.hi, &t.fg)
	gocv.BitwiseNot(t.fg, &t.fg)
	gocv.MorphologyEx(t.fg, &t.tmp, gocv.MorphOpen, t.kOpen)
	// Outlines the background does not have (a hand's edge on skin of the
	// same colour) count as foreground too.
	gocv.CvtColor(t.small, &t.gray, gocv.ColorBGRToGray)
	gocv.MorphologyEx(t.gray, &t.edges, gocv.MorphGradient, t.k3)
	gocv.Subtract(t.edges, t.bgEdges, &t.edges)
	gocv.Threshold(t.edges, &t.edges, float32(t.margin+6), 255, gocv.ThresholdBinary)
	gocv.BitwiseOr(t.tmp, t.edges, &t.tmp)
	gocv.MorphologyEx(t.tmp, &t.fg, gocv.MorphClose, t.kClos)
	t.fillHoles()
}

// fillHoles fills the background holes of the foreground that do not touch
// the frame edge and are smaller than two palms: the inside of a hand whose
// colour matches the back.
func (t *ClassicTracker) fillHoles() {
	fg, err := t.fg.DataPtrUint8()
	if err != nil || len(fg) != t.w*t.h {
		return
	}
	t.holeRuns = fillHolesIn(fg, t.w, t.h, int32(2*t.palmW*t.palmW), t.holeRuns)
}

// fillHolesIn sets to 255 the background (0) components of the w×h mask fg,
// 4-connected, that do not reach the mask's edge and have fewer than
// maxArea pixels. runs is scratch, returned for reuse.
func fillHolesIn(fg []byte, w, h int, maxArea int32, runs []holeRun) []holeRun {
	// The background as runs along the rows; runs in neighbouring rows
	// that share a column are 4-connected (union-find over the runs, far
	// fewer than the pixels).
	runs = runs[:0]
	prev := 0 // the first run of the row above
	for y := 0; y < h; y++ {
		row := fg[y*w : (y+1)*w]
		first := len(runs)
		for x := 0; x < w; {
			for x < w && row[x] != 0 {
				x++
			}
			if x == w {
				break
			}
			x0 := x
			for x < w && row[x] == 0 {
				x++
			}
			k := int32(len(runs))
			runs = append(runs, holeRun{y: int32(y), x0: int32(x0), x1: int32(x), parent: k})
			// join the runs above that share a column
			for a := prev; a < first; a++ {
				if runs[a].x1 > int32(x0) && runs[a].x0 < int32(x) {
					unionRuns(runs, int32(a), k)
				}
			}
		}
		prev = first
	}
	// Each component's size and whether it reaches the frame's edge.
	for i := range runs {
		runs[i].area, runs[i].edge = 0, false
	}
	for i := range runs {
		r := &runs[findRun(runs, int32(i))]
		r.area += runs[i].x1 - runs[i].x0
		if runs[i].y == 0 || runs[i].y == int32(h-1) || runs[i].x0 == 0 || runs[i].x1 == int32(w) {
			r.edge = true
		}
	}
	for i := range runs {
		r := runs[findRun(runs, int32(i))]
		if r.edge || r.area >= maxArea {
			continue
		}
		row := fg[int(runs[i].y)*w:]
		for x := runs[i].x0; x < runs[i].x1; x++ {
			row[x] = 255
		}
	}
	return runs[:0]
}

// holeRun is a run of background pixels along a row (x0 to x1, x1 not
// included) with its union-find parent; a component's root holds its
// area and whether it reaches the frame's edge.
type holeRun struct {
	y, x0, x1, parent, area int32
	edge                    bool
}

// findRun returns the root of run i, halving the paths on the way.
func findRun(runs []holeRun, i int32) int32 {
	for runs[i].parent != i {
		runs[i].parent = runs[runs[i].parent].parent
		i = runs[i].parent
	}
	return i
}

// unionRuns joins the components of runs a and b.
func unionRuns(runs []holeRun, a, b int32) {
	ra, rb := findRun(runs, a), findRun(runs, b)
	if ra == rb {
		return
	}
	if ra < rb {
		ra, rb = rb, ra
	}
	runs[ra].parent = rb
}

// detect finds palm candidates in the current working frame: the far ends
// (extremities) of the foreground that is connected to the frame edge.
func (t *ClassicTracker) detect() []Detection {
	t.foreground()
	fg, err := t.fg.DataPtrUint8()
	if err != nil {
		return nil
	}
	if !t.geodesic(fg) {
		return nil
	}
	gocv.DistanceTransform(t.fg, &t.dt, &t.tmp, gocv.DistL2, gocv.DistanceMask5, gocv.DistanceLabelCComp)
	dist, err := t.dt.DataPtrFloat32()
	if err != nil {
		return nil
	}
	// Extremities: pixels whose geodesic distance is the largest within
	// 0.8 palm widths around them, and that reach at least 0.9 palm widths
	// into the frame.
	geoF, err := t.geoMat.DataPtrFloat32()
	if err != nil {
		return nil
	}
	for i, g := range t.geo {
		geoF[i] = float32(g)
	}
	gocv.Dilate(t.geoMat, &t.geoMax, t.kExt)
	gmax, err := t.geoMax.DataPtrFloat32()
	if err != nil {
		return nil
	}
	w, h := t.w, t.h
	minReach := int32(2 * 0.9 * t.palmW)
	type tip struct {
		p int
		d int32
	}
	var tips []tip
	for i, g := range t.geo {
		if g >= minReach && float32(g) >= gmax[i] {
			tips = append(tips, tip{i, g})
		}
	}
	sort.Slice(tips, func(a, b int) bool {
		if tips[a].d != tips[b].d {
			return tips[a].d > tips[b].d
		}
		return tips[a].p < tips[b].p
	})
	pw := t.palmW
	var out []Detection
	var tipPts [][2]int
	for _, tp := range tips {
		tx, ty := tp.p%w, tp.p/w
		dup := false
		for _, q := range tipPts {
			if hypot(tx-q[0], ty-q[1]) < 0.8*pw {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		tipPts = append(tipPts, [2]int{tx, ty})
		if len(tipPts) > 6 {
			break
		}
		// Palm: the largest inscribed circle among the pixels a local flood
		// fill from the tip reaches within 1.5 palm widths, going back
		// along the arm (never further from the edge than the tip).
		best, bestP := t.palmNear(tp.p, dist, 1.5*pw)
		if bestP < 0 || float64(best) < 0.22*pw {
			continue // a thin end: a finger or a wrist, not a palm
		}
		// Sub-pixel centre: weighted centroid of the near-maximum ridge.
		bx, by := bestP%w, bestP/w
		var sx, sy, sw float64
		for y := by - 2; y <= by+2; y++ {
			for x := bx - 2; x <= bx+2; x++ {
				if x < 0 || y < 0 || x >= w || y >= h {
					continue
				}
				d := float64(dist[y*w+x]) - 0.85*float64(best)
				if d <= 0 || t.geo[y*w+x] < 0 {
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
			Tip:    models.Point{X: (float64(tx) + 0.5) * s, Y: (float64(ty) + 0.5) * s},
			Radius: float64(best) * s,
			Reach:  float64(tp.d) / 2 * s,
		}
		cands := []Detection{det}
		// Two hands side by side make one wide blob: a palm far wider than
		// one hand is split across the arm's direction.
		if R := float64(best); R > 0.95*pw {
			ax := det.Tip.Sub(det.Center)
			if l := math.Hypot(ax.X, ax.Y); l > 0 {
				perp := models.Point{X: -ax.Y / l, Y: ax.X / l}
				off := (R - 0.45*pw) * s
				a, b := det, det
				a.Center = det.Center.Add(perp.Scale(off))
				b.Center = det.Center.Sub(perp.Scale(off))
				a.Radius, b.Radius = 0.45*pw*s, 0.45*pw*s
				cands = []Detection{a, b}
			}
		}
		// Two tips of one hand (spread fingers) give the same palm.
		for _, c := range cands {
			same := false
			for _, o := range out {
				if o.Center.Dist(c.Center) < 0.5*pw*s {
					same = true
					break
				}
			}
			if !same {
				out = append(out, c)
			}
		}
	}
	return out
}

// palmNear flood-fills the foreground from the pixel tip up to radius
// working pixels (chamfer distance) and returns the largest distance-transform
// value it meets and where.
func (t *ClassicTracker) palmNear(tip int, dist []float32, radius float64) (float32, int) {
	w, h := t.w, t.h
	limit := int32(2 * radius)
	if len(t.local) != w*h {
		t.local = make([]int32, w*h)
		for i := range t.local {
			t.local[i] = -1
		}
	}
	q := t.lq[:0]
	q = append(q, int32(tip))
	t.local[tip] = 0
	best, bestP := float32(0), -1
	for k := 0; k < len(q); k++ {
		p := q[k]
		d := t.local[p]
		if dist[p] > best {
			best, bestP = dist[p], int(p)
		}
		px, py := int(p)%w, int(p)/w
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				nx, ny := px+dx, py+dy
				if (dx == 0 && dy == 0) || nx < 0 || ny < 0 || nx >= w || ny >= h {
					continue
				}
				np := int32(ny*w + nx)
				if t.geo[np] < 0 {
					continue
				}
				nd := d + 2
				if dx != 0 && dy != 0 {
					nd = d + 3
				}
				if nd > limit {
					continue
				}
				if od := t.local[np]; od < 0 || nd < od {
					t.local[np] = nd
					q = append(q, np)
				}
			}
		}
	}
	for _, p := range q {
		t.local[p] = -1
	}
	t.lq = q[:0]
	return best, bestP
}

// borderRuns lists the pixel indices of each edge of a w×h image, in order
// along the edge: top, bottom, left, right.
func borderRuns(w, h int) [4][]int {
	var b [4][]int
	for x := 0; x < w; x++ {
		b[0] = append(b[0], x)
		b[1] = append(b[1], (h-1)*w+x)
	}
	for y := 0; y < h; y++ {
		b[2] = append(b[2], y*w)
		b[3] = append(b[3], y*w+w-1)
	}
	return b
}

func hypot(dx, dy int) float64 { return math.Sqrt(float64(dx*dx + dy*dy)) }

// geodesic fills t.geo with the chamfer distance (2 per step, 3 per
// diagonal step) inside the foreground from where it touches the frame edge
// (-1 elsewhere). It reports whether any foreground touches the edge.
func (t *ClassicTracker) geodesic(fg []byte) bool {
	w, h := t.w, t.h
	for i := range t.geo {
		t.geo[i] = -1
	}
	minSeg := int(math.Max(2, 0.15*t.palmW))
	// Seeds: runs of foreground along the border at least minSeg long.
	var seeds []int32
	run := func(idx []int) {
		n := 0
		for k := 0; k <= len(idx); k++ {
			if k < len(idx) && fg[idx[k]] != 0 {
				n++
				continue
			}
			if n >= minSeg {
				for j := k - n; j < k; j++ {
					seeds = append(seeds, int32(idx[j]))
				}
			}
			n = 0
		}
	}
	for _, side := range t.border {
		run(side)
	}
	if len(seeds) == 0 {
		return false
	}
	// Bucket queue over integer distances.
	for i := range t.buckets {
		t.buckets[i] = t.buckets[i][:0]
	}
	for _, p := range seeds {
		t.geo[p] = 0
	}
	t.buckets[0] = append(t.buckets[0], seeds...)
	nb := int32(len(t.buckets))
	for d := int32(0); d < nb; d++ {
		bq := t.buckets[d]
		for bi := 0; bi < len(bq); bi++ {
			p := bq[bi]
			if t.geo[p] != d {
				continue
			}
			px, py := int(p)%w, int(p)/w
			for dy := -1; dy <= 1; dy++ {
				ny := py + dy
				if ny < 0 || ny >= h {
					continue
				}
				for dx := -1; dx <= 1; dx++ {
					nx := px + dx
					if (dx == 0 && dy == 0) || nx < 0 || nx >= w {
						continue
					}
					np := int32(ny*w + nx)
					if fg[np] == 0 {
						continue
					}
					nd := d + 2
					if dx != 0 && dy != 0 {
						nd = d + 3
					}
					if nd >= nb {
						continue
					}
					if g := t.geo[np]; g < 0 || nd < g {
						t.geo[np] = nd
						t.buckets[nd] = append(t.buckets[nd], np)
					}
				}
			}
		}
		t.buckets[d] = bq
	}
	return true
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
	for _, m := range []*gocv.Mat{&t.lo, &t.hi, &t.lut, &t.norm, &t.bgF, &t.bg, &t.small, &t.fg, &t.tmp, &t.upd, &t.dt, &t.kOpen, &t.kClos, &t.kUpd, &t.k3, &t.geoMat, &t.geoMax, &t.kExt, &t.gray, &t.edges, &t.bgEdges, &t.half, &t.tmpHalf} {
		m.Close()
	}
	return nil
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}
