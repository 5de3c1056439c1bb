package vision

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/backcoach/backcoach/models"
	"gocv.io/x/gocv"
)

// This file draws the coaching overlay (spine, routine bands, hand trails,
// phases, feedback, stroke counter) into frames and writes them as an H.264
// video: `backcoach replay VIDEO --overlay OUT.mp4`.

// Overlay guide positions in back coordinates (DESIGN.md, "The routine").
const (
	overlayStartBand = 0.30 // an ascent starts below this v
	overlayShoulderV = 0.85 // the shoulder line
	overlaySpineBand = 0.10 // |u| below this is on the spine
)

const (
	overlayTrailSeconds    = 1.5 // how long a hand's trail stays visible
	overlayTrailGap        = 0.5 // a hand unseen this long starts a fresh trail
	overlayFeedbackSeconds = 2.0 // how long a feedback message stays on screen
)

// Overlay colours (RGB; gocv converts them to BGR).
var (
	ovWhite      = color.RGBA{255, 255, 255, 0}
	ovBlack      = color.RGBA{0, 0, 0, 0}
	ovSpine      = color.RGBA{255, 255, 255, 0}
	ovSpineBand  = color.RGBA{230, 60, 60, 0}
	ovStartBand  = color.RGBA{70, 140, 255, 0}
	ovShoulder   = color.RGBA{255, 210, 60, 0}
	ovGood       = color.RGBA{80, 220, 120, 0}
	ovWarn       = color.RGBA{255, 170, 40, 0}
	ovStop       = color.RGBA{255, 70, 70, 0}
	ovReceiver   = color.RGBA{150, 190, 255, 0}
	ovHandColors = []color.RGBA{
		{0, 210, 255, 0},  // hand 1: cyan
		{255, 90, 210, 0}, // hand 2: pink
		{170, 255, 90, 0}, // hand 3: lime
		{255, 150, 60, 0}, // hand 4: orange
	}
)

// ovBannerLine is one feedback message on the banner and until when it shows.
type ovBannerLine struct {
	text string
	code models.Code
	end  float64
}

// overlayBannerLines is how many messages the banner shows at once.
const overlayBannerLines = 2

type ovTrailPoint struct {
	p image.Point
	t float64
}

// OverlayWriter draws the coaching overlay into frames and writes them to an
// H.264 video. The video goes to a temporary file in the target folder and is
// renamed into place by Close, so a failed replay never leaves half a video
// where a good one was. Create it with OpenOverlay; it is not safe for
// concurrent use.
type OverlayWriter struct {
	path, tmp string
	fps       float64
	w, h      int
	vw        *gocv.VideoWriter

	canvas, layer, resized gocv.Mat

	frames   int
	lastT    float64
	trails   map[int][]ovTrailPoint
	lastSeen map[int]float64
	strokes  int
	good     int
	banner   []ovBannerLine // newest last
	closed   bool
}

// OpenOverlay starts an overlay video at path (H.264 in an MP4 container)
// with the given frame rate and frame size.
func OpenOverlay(path string, fps float64, w, h int) (*OverlayWriter, error) {
	if path == "" {
		return nil, errors.New("overlay: no output path")
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("overlay %s: bad frame size %dx%d", path, w, h)
	}
	if !(fps > 0) || math.IsInf(fps, 0) {
		return nil, fmt.Errorf("overlay %s: bad frame rate %v", path, fps)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// The temporary name keeps the .mp4 ending: OpenCV picks the container
	// from it.
	f, err := os.CreateTemp(dir, "."+strings.TrimSuffix(base, filepath.Ext(base))+".*.tmp.mp4")
	if err != nil {
		return nil, fmt.Errorf("overlay %s: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	// CreateTemp makes the file private; a video is an ordinary file.
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("overlay %s: %w", path, err)
	}
	vw, err := gocv.VideoWriterFile(tmp, "avc1", fps, w, h, true)
	if err != nil || !vw.IsOpened() {
		if vw != nil {
			vw.Close()
		}
		os.Remove(tmp)
		if err == nil {
			err = errors.New("no H.264 encoder available")
		}
		return nil, fmt.Errorf("overlay %s: open video writer: %w", path, err)
	}
	return &OverlayWriter{
		path: path, tmp: tmp, fps: fps, w: w, h: h, vw: vw,
		canvas:   gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3),
		layer:    gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC3),
		resized:  gocv.NewMat(),
		trails:   map[int][]ovTrailPoint{},
		lastSeen: map[int]float64{},
	}, nil
}

// Path is where Close puts the finished video.
func (o *OverlayWriter) Path() string { return o.path }

// Frames is the number of frames written so far.
func (o *OverlayWriter) Frames() int { return o.frames }

// Draw draws the overlay for one frame — the back guides from back, the hands,
// phases, strokes and feedback from the coach's update — into a copy of
// frame and writes it. frame is not modified. Every frame of the input must
// be drawn, so the video keeps the input's frame count; an invalid back only
// leaves the guides out.
func (o *OverlayWriter) Draw(frame gocv.Mat, back models.Back, upd models.Update) error {
	if o.closed {
		return errors.New("overlay: draw after close")
	}
	if frame.Empty() {
		return fmt.Errorf("overlay %s: frame %d is empty", o.path, o.frames)
	}
	src := frame
	if frame.Cols() != o.w || frame.Rows() != o.h {
		gocv.Resize(frame, &o.resized, image.Pt(o.w, o.h), 0, 0, gocv.InterpolationLinear)
		src = o.resized
	}
	if src.Type() != gocv.MatTypeCV8UC3 {
		return fmt.Errorf("overlay %s: frame %d: want a BGR frame, got Mat type %v", o.path, o.frames, src.Type())
	}
	src.CopyTo(&o.canvas)

	o.update(upd)
	scale := float64(o.h) / 480
	if s := float64(o.w) / 640; s < scale {
		scale = s
	}
	if scale < 0.5 {
		scale = 0.5
	}
	// Translucent fills go on the layer, blended once over the part of the
	// frame they cover; lines and text after.
	valid := back.Valid()
	if roi := o.fillArea(back, valid, upd, scale); !roi.Empty() {
		cr := o.canvas.Region(roi)
		lr := o.layer.Region(roi)
		cr.CopyTo(&lr)
		if valid {
			o.fillGuides(back)
		}
		o.fillPanels(upd, scale)
		gocv.AddWeighted(lr, 0.35, cr, 0.65, 0, &cr)
		lr.Close()
		cr.Close()
	}
	if valid {
		o.drawGuides(back, scale)
	}
	o.drawHands(upd, scale)
	o.drawText(upd, scale)

	if err := o.vw.Write(o.canvas); err != nil {
		return fmt.Errorf("overlay %s: write frame %d: %w", o.path, o.frames, err)
	}
	o.frames++
	return nil
}

// update folds one coach update into the trails, counters and feedback.
func (o *OverlayWriter) update(upd models.Update) {
	t := upd.T
	o.lastT = t
	for _, h := range upd.Hands {
		if !ovFinite(h.X) || !ovFinite(h.Y) {
			continue
		}
		if last, ok := o.lastSeen[h.ID]; ok && t-last > overlayTrailGap {
			delete(o.trails, h.ID)
		}
		o.lastSeen[h.ID] = t
		o.trails[h.ID] = append(o.trails[h.ID], ovTrailPoint{p: ovPt(h.X, h.Y), t: t})
	}
	for id, tr := range o.trails {
		k := 0
		for k < len(tr) && t-tr[k].t > overlayTrailSeconds {
			k++
		}
		if k == len(tr) {
			delete(o.trails, id)
			delete(o.lastSeen, id)
			continue
		}
		o.trails[id] = tr[k:]
	}
	for _, s := range upd.Strokes {
		o.strokes++
		if s.Good() {
			o.good++
		}
	}
	// A message shows from when the coach says it (a stroke that ended
	// where a lost hand was last seen is judged a moment later), and a
	// repeated one replaces its older copy.
	for _, fb := range upd.Feedback {
		line := ovBannerLine{text: ovASCII(ovFeedbackText(fb)), code: fb.Code, end: t + overlayFeedbackSeconds}
		k := 0
		for _, l := range o.banner {
			if l.text != line.text {
				o.banner[k] = l
				k++
			}
		}
		o.banner = append(o.banner[:k], line)
	}
	k := 0
	for _, l := range o.banner {
		if t <= l.end {
			o.banner[k] = l
			k++
		}
	}
	o.banner = o.banner[:k]
	if len(o.banner) > overlayBannerLines {
		o.banner = append(o.banner[:0], o.banner[len(o.banner)-overlayBannerLines:]...)
	}
}

// bannerLayout returns the banner's font scale, line height and box.
func (o *OverlayWriter) bannerLayout(scale float64) (fs float64, lineH int, box image.Rectangle) {
	th := ovThick(scale) + 1
	pad := int(8 * scale)
	fs = 0.75 * scale
	for _, l := range o.banner {
		fs = math.Min(fs, ovFeedbackScale(l.text, o.w, scale))
	}
	width, height := 0, 0
	for _, l := range o.banner {
		sz := gocv.GetTextSize(l.text, gocv.FontHersheySimplex, fs, th)
		width = max(width, sz.X)
		height = max(height, sz.Y)
	}
	lineH = height + 2*pad
	x0 := (o.w-width)/2 - 2*pad
	y1 := o.h - pad
	box = image.Rect(x0, y1-len(o.banner)*lineH-2*pad, x0+width+4*pad, y1)
	return fs, lineH, box
}

// fillArea is the part of the frame the translucent fills cover: the guide
// bands, the corner panel and the banner.
func (o *OverlayWriter) fillArea(back models.Back, valid bool, upd models.Update, scale float64) image.Rectangle {
	fs := 0.6 * scale
	sz := gocv.GetTextSize("Strokes 00  good 00   0:00", gocv.FontHersheySimplex, fs, ovThick(scale))
	pad := int(8 * scale)
	r := image.Rect(0, 0, sz.X+3*pad, o.panelHeight(upd, scale))
	if valid {
		for _, p := range append(ovQuad(back, -1, 1, 0, overlayStartBand), ovQuad(back, -overlaySpineBand, overlaySpineBand, 0, 1)...) {
			r = r.Union(image.Rect(p.X-2, p.Y-2, p.X+2, p.Y+2))
		}
	}
	if len(o.banner) > 0 {
		_, _, box := o.bannerLayout(scale)
		r = r.Union(box)
	}
	return r.Intersect(image.Rect(0, 0, o.w, o.h))
}

// quad returns the image polygon of the back rectangle u0..u1 × v0..v1.
func ovQuad(b models.Back, u0, u1, v0, v1 float64) []image.Point {
	p := func(u, v float64) image.Point { q := b.Point(u, v); return ovPt(q.X, q.Y) }
	return []image.Point{p(u0, v0), p(u1, v0), p(u1, v1), p(u0, v1)}
}

func (o *OverlayWriter) fillPoly(poly []image.Point, c color.RGBA) {
	pv := gocv.NewPointsVectorFromPoints([][]image.Point{poly})
	defer pv.Close()
	gocv.FillPoly(&o.layer, pv, c)
}

func (o *OverlayWriter) fillGuides(b models.Back) {
	o.fillPoly(ovQuad(b, -1, 1, 0, overlayStartBand), ovStartBand)
	o.fillPoly(ovQuad(b, -overlaySpineBand, overlaySpineBand, 0, 1), ovSpineBand)
}

// fillPanels darkens the areas behind the counter and the feedback banner.
func (o *OverlayWriter) fillPanels(upd models.Update, scale float64) {
	fs := 0.6 * scale
	sz := gocv.GetTextSize("Strokes 00  good 00   0:00", gocv.FontHersheySimplex, fs, ovThick(scale))
	pad := int(8 * scale)
	gocv.Rectangle(&o.layer, image.Rect(0, 0, sz.X+3*pad, o.panelHeight(upd, scale)), ovBlack, -1)
	if len(o.banner) > 0 {
		_, _, box := o.bannerLayout(scale)
		gocv.Rectangle(&o.layer, box, ovBlack, -1)
	}
}

func (o *OverlayWriter) drawGuides(b models.Back, scale float64) {
	th := ovThick(scale)
	p := func(u, v float64) image.Point { q := b.Point(u, v); return ovPt(q.X, q.Y) }
	// Back outline, thin.
	outline := []image.Point{p(-1, 0), p(-1, 1), p(1, 1), p(1, 0)}
	for i := 0; i+1 < len(outline); i++ {
		gocv.Line(&o.canvas, outline[i], outline[i+1], color.RGBA{200, 200, 200, 0}, 1)
	}
	// Spine line, waist to shoulders.
	gocv.Line(&o.canvas, p(0, 0), p(0, 1), ovSpine, th)
	// Top of the start band and the shoulder line.
	gocv.Line(&o.canvas, p(-1, overlayStartBand), p(1, overlayStartBand), ovStartBand, th)
	gocv.Line(&o.canvas, p(-1.1, overlayShoulderV), p(1.1, overlayShoulderV), ovShoulder, th+1)
	fs := 0.45 * scale
	ovLabel(&o.canvas, "shoulders", p(1.12, overlayShoulderV), fs, ovShoulder, scale)
	ovLabel(&o.canvas, "start here", p(1.02, overlayStartBand/2), fs, ovStartBand, scale)
}

func (o *OverlayWriter) drawHands(upd models.Update, scale float64) {
	th := ovThick(scale)
	for id, tr := range o.trails {
		c := ovHandColor(id)
		for k := 1; k < len(tr); k++ {
			age := o.lastT - tr[k].t
			f := 1 - age/overlayTrailSeconds
			if f <= 0 {
				continue
			}
			w := int(math.Round(f * 4 * scale))
			if w < 1 {
				w = 1
			}
			gocv.Line(&o.canvas, tr[k-1].p, tr[k].p, ovFade(c, f), w)
		}
	}
	r := int(math.Round(12 * scale))
	fs := 0.5 * scale
	for _, h := range upd.Hands {
		if !ovFinite(h.X) || !ovFinite(h.Y) {
			continue
		}
		c := ovHandColor(h.ID)
		at := ovPt(h.X, h.Y)
		gocv.CircleWithParams(&o.canvas, at, r+th, ovBlack, th, gocv.LineAA, 0)
		gocv.CircleWithParams(&o.canvas, at, r, c, th+1, gocv.LineAA, 0)
		gocv.CircleWithParams(&o.canvas, at, int(3*scale)+1, c, -1, gocv.LineAA, 0)
		ovLabel(&o.canvas, fmt.Sprint(h.ID+1), image.Pt(at.X+r+int(3*scale), at.Y-r), fs, c, scale)
	}
}

func (o *OverlayWriter) drawText(upd models.Update, scale float64) {
	th := ovThick(scale)
	pad := int(8 * scale)
	fs := 0.6 * scale
	secs := int(math.Max(0, upd.T))
	counter := fmt.Sprintf("Strokes %d  good %d   %d:%02d", o.strokes, o.good, secs/60, secs%60)
	sz := gocv.GetTextSize(counter, gocv.FontHersheySimplex, fs, th)
	gocv.PutTextWithParams(&o.canvas, counter, image.Pt(pad+pad/2, sz.Y+pad+pad/2), gocv.FontHersheySimplex, fs, ovWhite, th, gocv.LineAA, false)
	// One line per hand in view: its number and where it is in the stroke.
	for k, h := range ovPanelHands(upd) {
		line := fmt.Sprintf("Hand %d: %s", h.ID+1, ovPhaseName(h.Phase))
		y := sz.Y + pad + pad/2 + (k+1)*o.lineStep(scale)
		gocv.PutTextWithParams(&o.canvas, line, image.Pt(pad+pad/2, y), gocv.FontHersheySimplex, 0.5*scale, ovHandColor(h.ID), th, gocv.LineAA, false)
	}
	if len(o.banner) > 0 {
		fs, lineH, box := o.bannerLayout(scale)
		for k, l := range o.banner {
			sz := gocv.GetTextSize(l.text, gocv.FontHersheySimplex, fs, th+1)
			x := (o.w - sz.X) / 2
			y := box.Min.Y + pad + (k+1)*lineH - pad
			gocv.PutTextWithParams(&o.canvas, l.text, image.Pt(x, y), gocv.FontHersheySimplex, fs, ovCodeColor(l.code), th+1, gocv.LineAA, false)
		}
	}
}

// ovPanelHands are the hands listed in the corner panel (at most four).
func ovPanelHands(upd models.Update) []models.HandState {
	hs := upd.Hands
	if len(hs) > 4 {
		hs = hs[:4]
	}
	return hs
}

func (o *OverlayWriter) lineStep(scale float64) int { return int(math.Round(22 * scale)) }

// panelHeight is the height of the corner panel: the counter and one line per hand.
func (o *OverlayWriter) panelHeight(upd models.Update, scale float64) int {
	sz := gocv.GetTextSize("Strokes", gocv.FontHersheySimplex, 0.6*scale, ovThick(scale))
	pad := int(8 * scale)
	return sz.Y + 3*pad + len(ovPanelHands(upd))*o.lineStep(scale)
}

// Close finishes the video and renames it into place. It fails, leaving
// nothing behind, when no frame was drawn.
func (o *OverlayWriter) Close() error {
	if o.closed {
		return nil
	}
	o.release()
	if o.frames == 0 {
		os.Remove(o.tmp)
		return fmt.Errorf("overlay %s: no frames to write", o.path)
	}
	if err := os.Rename(o.tmp, o.path); err != nil {
		os.Remove(o.tmp)
		return fmt.Errorf("overlay %s: %w", o.path, err)
	}
	return nil
}

// Abort stops writing and removes the temporary video; the target path is
// left untouched. It is a no-op after Close.
func (o *OverlayWriter) Abort() {
	if o.closed {
		return
	}
	o.release()
	os.Remove(o.tmp)
}

func (o *OverlayWriter) release() {
	o.closed = true
	o.vw.Close()
	o.canvas.Close()
	o.layer.Close()
	o.resized.Close()
}

// ovFeedbackText is the banner text of a feedback message.
func ovFeedbackText(f models.Feedback) string {
	msg := f.Message
	if msg == "" {
		msg = f.Code.Message()
	}
	if msg == "" {
		msg = string(f.Code)
	}
	if f.Hand != nil {
		msg = fmt.Sprintf("Hand %d: %s", *f.Hand+1, msg)
	}
	return msg
}

// ovFeedbackScale shrinks the banner font until the message fits the width.
func ovFeedbackScale(msg string, w int, scale float64) float64 {
	fs := 0.75 * scale
	for fs > 0.3 {
		sz := gocv.GetTextSize(msg, gocv.FontHersheySimplex, fs, ovThick(scale)+1)
		if sz.X <= w-int(40*scale) {
			break
		}
		fs *= 0.9
	}
	return fs
}

// ovASCII makes text printable by OpenCV's Hershey fonts (ASCII only).
func ovASCII(s string) string {
	r := strings.NewReplacer("—", "-", "–", "-", "’", "'", "‘", "'", "“", "\"", "”", "\"", "…", "...")
	s = r.Replace(s)
	var b strings.Builder
	for _, c := range s {
		if c >= 32 && c < 127 {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ovLabel writes text with a dark outline so it reads on skin and on cloth.
func ovLabel(m *gocv.Mat, text string, at image.Point, fs float64, c color.RGBA, scale float64) {
	th := ovThick(scale)
	gocv.PutTextWithParams(m, text, at, gocv.FontHersheySimplex, fs, ovBlack, th+2, gocv.LineAA, false)
	gocv.PutTextWithParams(m, text, at, gocv.FontHersheySimplex, fs, c, th, gocv.LineAA, false)
}

func ovPhaseName(p models.Phase) string {
	switch p {
	case models.PhaseAscent:
		return "up the back"
	case models.PhaseAcross:
		return "across shoulders"
	case models.PhaseDown:
		return "down the arms"
	case models.PhaseIdle, "":
		return "ready"
	}
	return ovASCII(string(p))
}

func ovCodeColor(c models.Code) color.RGBA {
	switch c {
	case models.CodeGoodStroke:
		return ovGood
	case models.CodeStop:
		return ovStop
	case models.CodeLighter, models.CodeFirmer:
		return ovReceiver
	}
	return ovWarn
}

func ovHandColor(id int) color.RGBA {
	if id < 0 {
		id = -id
	}
	return ovHandColors[id%len(ovHandColors)]
}

// ovFade darkens c towards black by f (1 = full colour).
func ovFade(c color.RGBA, f float64) color.RGBA {
	f = 0.25 + 0.75*f
	return color.RGBA{uint8(float64(c.R) * f), uint8(float64(c.G) * f), uint8(float64(c.B) * f), 0}
}

func ovThick(scale float64) int {
	t := int(math.Round(1.5 * scale))
	if t < 1 {
		t = 1
	}
	return t
}

func ovFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// ovPt rounds a pixel position, clamped far enough to keep OpenCV's integer
// arithmetic safe for wild inputs.
func ovPt(x, y float64) image.Point {
	c := func(v float64) int {
		if !ovFinite(v) {
			return 0
		}
		return int(math.Round(math.Max(-1e5, math.Min(1e5, v))))
	}
	return image.Pt(c(x), c(y))
}
