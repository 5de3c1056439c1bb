package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/jpeg"
	"math"
	"sort"
	"strings"

	"github.com/backcoach/backcoach/models"
)

// This file turns the report's numbers into the page's pictures (inline SVG
// coordinates): the still with the hands' paths, the coverage heatmap, the
// balance bar and the timeline.

// track is a run of palm positions linked from frame to frame.
type track struct {
	pts   []models.Point
	lastT float64
	sumU  float64
	nU    int
}

// linkTracks links the palm centres of the report's frames (which carry no
// identity) into paths: each point joins the nearest path that ended close
// by and recently, or starts a new one.
func linkTracks(rep *models.Report) []*track {
	back := rep.Back
	maxJump := 80.0
	if back.Valid() {
		maxJump = 0.25 * back.Length()
	}
	const maxGap = 0.5 // seconds
	var done, live []*track
	for _, fr := range rep.Frames {
		// Retire paths unseen for too long.
		k := 0
		for _, tr := range live {
			if fr.T-tr.lastT > maxGap {
				done = append(done, tr)
			} else {
				live[k] = tr
				k++
			}
		}
		live = live[:k]
		type pair struct {
			ti, pi int
			d      float64
		}
		var pairs []pair
		for pi, h := range fr.Hands {
			if !finite(h.X) || !finite(h.Y) {
				continue
			}
			p := models.Point{X: h.X, Y: h.Y}
			for ti, tr := range live {
				if d := tr.pts[len(tr.pts)-1].Dist(p); d <= maxJump {
					pairs = append(pairs, pair{ti, pi, d})
				}
			}
		}
		sort.Slice(pairs, func(i, j int) bool { return pairs[i].d < pairs[j].d })
		usedT := map[int]bool{}
		usedP := map[int]bool{}
		add := func(tr *track, p models.Point) {
			tr.pts = append(tr.pts, p)
			tr.lastT = fr.T
			if back.Valid() {
				u, _ := back.UV(p)
				tr.sumU += u
				tr.nU++
			}
		}
		for _, pr := range pairs {
			if usedT[pr.ti] || usedP[pr.pi] {
				continue
			}
			usedT[pr.ti], usedP[pr.pi] = true, true
			h := fr.Hands[pr.pi]
			add(live[pr.ti], models.Point{X: h.X, Y: h.Y})
		}
		for pi, h := range fr.Hands {
			if usedP[pi] || !finite(h.X) || !finite(h.Y) {
				continue
			}
			tr := &track{}
			add(tr, models.Point{X: h.X, Y: h.Y})
			live = append(live, tr)
		}
	}
	out := append(done, live...)
	k := 0
	for _, tr := range out {
		if len(tr.pts) >= 3 {
			out[k] = tr
			k++
		}
	}
	return out[:k]
}

// segment is a line in SVG user units.
type segment struct {
	X1, Y1, X2, Y2 float64
	Class          string
}

// path is one hand path on the still.
type path struct {
	Points     string
	Side       string // "left" or "right" of the spine (the receiver's)
	StartX     float64
	StartY     float64
	EndX, EndY float64
}

// stillView is the still of the back with guides and paths.
type stillView struct {
	W, H    int
	Image   template.URL
	HasBack bool
	Paths   []path
	Lines   []segment
	Bands   []poly
	Stroke  float64 // path width in user units
	Font    float64
	Labels  []textLabel
}

// poly is a filled polygon in SVG user units.
type poly struct {
	Points string
	Class  string
}

// textLabel is a text in SVG user units.
type textLabel struct {
	X, Y   float64
	Text   string
	Class  string
	Anchor string
}

func pts(ps ...models.Point) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", p.X, p.Y)
	}
	return b.String()
}

func buildStill(rep *models.Report, still []byte, tracks []*track) stillView {
	v := stillView{W: rep.Source.Width, H: rep.Source.Height}
	if len(still) > 0 {
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(still)); err == nil {
			if v.W <= 0 || v.H <= 0 {
				v.W, v.H = cfg.Width, cfg.Height
			}
			v.Image = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(still))
		}
	}
	if v.W <= 0 || v.H <= 0 {
		v.W, v.H = 640, 480
	}
	scale := float64(v.H) / 480
	v.Stroke = math.Max(1.5, 2.5*scale)
	v.Font = math.Max(11, 14*scale)
	b := rep.Back
	if b.Valid() {
		v.HasBack = true
		p := b.Point
		v.Bands = []poly{
			{pts(p(-1, 0), p(1, 0), p(1, startBand), p(-1, startBand)), "band-start"},
			{pts(p(-spineBand, 0), p(spineBand, 0), p(spineBand, 1), p(-spineBand, 1)), "band-spine"},
		}
		seg := func(a, c models.Point, class string) segment {
			return segment{a.X, a.Y, c.X, c.Y, class}
		}
		v.Lines = []segment{
			seg(p(0, 0), p(0, 1), "spine"),
			seg(p(-1.1, shoulderV), p(1.1, shoulderV), "shoulder"),
		}
		sl := p(1.12, shoulderV)
		st := p(1.04, startBand/2)
		v.Labels = []textLabel{
			{sl.X, sl.Y, "shoulders", "lbl-shoulder", "start"},
			{st.X, st.Y, "start here", "lbl-start", "start"},
		}
	}
	minStep := 1.5 * scale
	onBack := func(q models.Point) bool {
		if !b.Valid() {
			return true
		}
		u, vv := b.UV(q)
		return u >= heatU0 && u <= heatU1 && vv >= heatV0 && vv <= heatV1
	}
	for _, tr := range tracks {
		side := "right"
		if tr.nU > 0 && tr.sumU/float64(tr.nU) < 0 {
			side = "left"
		} else if tr.nU == 0 && tr.pts[0].X < float64(v.W)/2 {
			side = "left"
		}
		// Only the stretches on the back are drawn: a hand reaching for the
		// oil (or a detection off the body) would only scribble over the picture.
		var kept []models.Point
		flush := func() {
			if len(kept) >= 3 {
				first, last := kept[0], kept[len(kept)-1]
				v.Paths = append(v.Paths, path{Points: pts(kept...), Side: side,
					StartX: first.X, StartY: first.Y, EndX: last.X, EndY: last.Y})
			}
			kept = nil
		}
		for _, q := range tr.pts {
			if !onBack(q) {
				flush()
				continue
			}
			if len(kept) == 0 || q.Dist(kept[len(kept)-1]) >= minStep {
				kept = append(kept, q)
			}
		}
		flush()
	}
	return v
}

// Heatmap grid in back coordinates.
const (
	heatU0, heatU1 = -1.2, 1.2
	heatV0, heatV1 = -0.05, 1.15
	heatDU, heatDV = 0.1, 0.05
)

// cell is one heatmap cell.
type cell struct {
	X, Y, W, H float64
	Fill       string
	Opacity    float64
	Title      string
}

// heatView is the coverage heatmap: a back seen from above, head at the top.
type heatView struct {
	OK       bool
	W, H     float64
	Cells    []cell
	Back     rectV // the back, u -1..1, v 0..1
	Start    rectV
	Spine    rectV
	SpineX   float64
	ShoulY   float64
	Head     ellipseV
	BottomY  float64
	Left     float64 // seconds on the receiver's left
	Right    float64
	MaxSecs  float64
	HasHands bool
}

type rectV struct{ X, Y, W, H float64 }
type ellipseV struct{ CX, CY, RX, RY float64 }

func buildHeat(rep *models.Report) heatView {
	b := rep.Back
	if !b.Valid() {
		return heatView{}
	}
	// Scale: the back's real proportions, 300 units tall.
	unitV := 300.0                            // one back length
	unitU := unitV * b.HalfWidth / b.Length() // one half width
	unitU = math.Max(unitV*0.25, math.Min(unitU, unitV*0.9))
	margin := 30.0
	headR := unitV * 0.13
	top := margin + 2*headR
	x := func(u float64) float64 { return margin + (u-heatU0)*unitU }
	y := func(v float64) float64 { return top + (heatV1-v)*unitV }
	hv := heatView{OK: true}
	hv.W = x(heatU1) + margin
	hv.H = y(heatV0) + margin
	hv.Back = rectV{x(-1), y(1.0), 2 * unitU, unitV}
	hv.Start = rectV{x(-1), y(startBand), 2 * unitU, startBand * unitV}
	hv.Spine = rectV{x(-spineBand), y(1.0), 2 * spineBand * unitU, unitV}
	hv.SpineX = x(0)
	hv.ShoulY = y(shoulderV)
	hv.Head = ellipseV{x(0), y(1.0) - headR*0.9, headR * 0.8, headR}
	hv.BottomY = y(heatV0) + 18

	nu := int(math.Round((heatU1 - heatU0) / heatDU))
	nv := int(math.Round((heatV1 - heatV0) / heatDV))
	grid := make([]float64, nu*nv)
	fps := rep.Source.FPS
	for i, fr := range rep.Frames {
		dt := 1 / 30.0
		if fps > 0 && finite(fps) {
			dt = 1 / fps
		} else if i+1 < len(rep.Frames) {
			if d := rep.Frames[i+1].T - fr.T; d > 0 && d < 1 {
				dt = d
			}
		}
		for _, h := range fr.Hands {
			if !finite(h.X) || !finite(h.Y) {
				continue
			}
			u, v := b.UV(models.Point{X: h.X, Y: h.Y})
			if u < heatU0 || u >= heatU1 || v < heatV0 || v >= heatV1 {
				continue
			}
			hv.HasHands = true
			if u < 0 {
				hv.Left += dt
			} else {
				hv.Right += dt
			}
			ci := int((u - heatU0) / heatDU)
			ri := int((v - heatV0) / heatDV)
			if ci >= 0 && ci < nu && ri >= 0 && ri < nv {
				grid[ri*nu+ci] += dt
			}
		}
	}
	for _, s := range grid {
		hv.MaxSecs = math.Max(hv.MaxSecs, s)
	}
	if hv.MaxSecs <= 0 {
		return hv
	}
	for ri := 0; ri < nv; ri++ {
		for ci := 0; ci < nu; ci++ {
			s := grid[ri*nu+ci]
			if s <= 0 {
				continue
			}
			k := math.Sqrt(s / hv.MaxSecs)
			u0 := heatU0 + float64(ci)*heatDU
			v0 := heatV0 + float64(ri)*heatDV
			hv.Cells = append(hv.Cells, cell{
				X: x(u0), Y: y(v0 + heatDV), W: heatDU * unitU, H: heatDV * unitV,
				Fill:    heatColour(k),
				Opacity: math.Round((0.25+0.7*k)*100) / 100,
				Title:   fmt.Sprintf("%.1f s of hands here", s),
			})
		}
	}
	return hv
}

// heatColour runs from warm yellow (a little) to deep coral (a lot).
func heatColour(k float64) string {
	lerp := func(a, b float64) int { return int(math.Round(a + (b-a)*k)) }
	return fmt.Sprintf("#%02x%02x%02x", lerp(255, 214), lerp(209, 40), lerp(102, 80))
}

// balanceView is the left/right balance bar.
type balanceView struct {
	OK          bool
	Left, Right float64 // seconds
	LeftPct     int
	RightPct    int
	Verdict     string
}

func buildBalance(rep *models.Report, hv heatView) balanceView {
	l, r := hv.Left, hv.Right
	if c := rep.Summary.Coverage; c != nil && c.LeftSeconds+c.RightSeconds > 0 {
		l, r = c.LeftSeconds, c.RightSeconds
	}
	if !(l+r > 0) || !finite(l+r) {
		return balanceView{}
	}
	bv := balanceView{OK: true, Left: l, Right: r}
	bv.LeftPct = int(math.Round(100 * l / (l + r)))
	bv.RightPct = 100 - bv.LeftPct
	switch {
	case bv.LeftPct >= 40 && bv.LeftPct <= 60:
		bv.Verdict = "Nicely even — both sides got about the same time."
	case bv.LeftPct < 40:
		bv.Verdict = "The right side got more time; give the left side a little more next time."
	default:
		bv.Verdict = "The left side got more time; give the right side a little more next time."
	}
	return bv
}

// timelineView is the strokes-and-feedback timeline.
type timelineView struct {
	W, H    float64
	X0, X1  float64
	Lanes   []lane
	Ticks   []tick
	Bars    []bar
	Marks   []mark
	FbY     float64
	AxisY   float64
	HasData bool
}

type lane struct {
	Y     float64
	Label string
}

type tick struct {
	X     float64
	Label string
}

type bar struct {
	N          int
	X, Y, W, H float64
	Kind       string
	Title      string
	ShowN      bool
}

type mark struct {
	X, Y  float64
	Kind  string
	Title string
}

func buildTimeline(rep *models.Report, dur float64) timelineView {
	tv := timelineView{W: 900, X0: 90, X1: 880}
	if dur <= 0 {
		dur = 1
	}
	tx := func(t float64) float64 {
		if !finite(t) {
			t = 0
		}
		return tv.X0 + math.Max(0, math.Min(1, t/dur))*(tv.X1-tv.X0)
	}
	// One lane per hand (up to four), else one lane for all strokes.
	ids := map[int]bool{}
	for _, st := range rep.Strokes {
		ids[st.Hand] = true
	}
	var hands []int
	for id := range ids {
		hands = append(hands, id)
	}
	sort.Ints(hands)
	laneOf := map[int]int{}
	const laneH, top = 34.0, 10.0
	if len(hands) == 0 || len(hands) > 4 {
		tv.Lanes = []lane{{top, "Strokes"}}
	} else {
		for i, id := range hands {
			laneOf[id] = i
			tv.Lanes = append(tv.Lanes, lane{top + float64(i)*laneH, fmt.Sprintf("Hand %d", id+1)})
		}
	}
	for i, st := range rep.Strokes {
		l := laneOf[st.Hand]
		x0, x1 := tx(st.Start), tx(st.End)
		k := "fault"
		verdict := "needs work"
		if st.Good() {
			k, verdict = "good", "good stroke"
		} else if len(st.Verdicts) > 0 {
			var ls []string
			for _, c := range st.Verdicts {
				ls = append(ls, strings.ToLower(label(c)))
			}
			verdict = strings.Join(ls, ", ")
		}
		w := math.Max(3, x1-x0)
		tv.Bars = append(tv.Bars, bar{
			N: i + 1, X: x0, Y: tv.Lanes[l].Y + 5, W: w, H: laneH - 10, Kind: k,
			Title: fmt.Sprintf("Stroke %d (hand %d), %s–%s: %s", i+1, st.Hand+1, clock(st.Start), clock(st.End), verdict),
			ShowN: w >= 22,
		})
	}
	tv.FbY = top + float64(len(tv.Lanes))*laneH + laneH/2
	tv.Lanes = append(tv.Lanes, lane{top + float64(len(tv.Lanes))*laneH, "Coach said"})
	for _, f := range rep.Feedback {
		m := message(f.Code, f.Message)
		tv.Marks = append(tv.Marks, mark{X: tx(f.T), Y: tv.FbY, Kind: kind(f.Code),
			Title: fmt.Sprintf("%s — %s", clock(f.T), m)})
	}
	tv.AxisY = top + float64(len(tv.Lanes))*laneH + 6
	tv.H = tv.AxisY + 24
	step := niceStep(dur)
	for t := 0.0; t <= dur+1e-9; t += step {
		tv.Ticks = append(tv.Ticks, tick{tx(t), clock(t)})
	}
	tv.HasData = len(rep.Strokes)+len(rep.Feedback) > 0
	return tv
}

// niceStep picks a tick spacing giving at most ten ticks.
func niceStep(dur float64) float64 {
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600} {
		if dur/s <= 10 {
			return s
		}
	}
	return math.Ceil(dur/10/3600) * 3600
}
