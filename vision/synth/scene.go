package synth

import (
	"math"
	"math/rand/v2"

	"github.com/backcoach/backcoach/models"
)

// rgb is a linear-ish colour with components in 0..1.
type rgb [3]float32

func (c rgb) scale(k float32) rgb { return rgb{c[0] * k, c[1] * k, c[2] * k} }

func mix(a, b rgb, t float32) rgb {
	return rgb{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

func hex(r, g, b int) rgb { return rgb{float32(r) / 255, float32(g) / 255, float32(b) / 255} }

// Skin tones from very light to dark (sRGB values of real skin photographs).
var skinTones = []rgb{
	hex(241, 204, 184), hex(232, 190, 165), hex(224, 172, 140), hex(214, 160, 126),
	hex(198, 140, 105), hex(176, 120, 88), hex(150, 98, 68), hex(120, 78, 55),
	hex(92, 60, 42), hex(236, 196, 160), hex(210, 168, 130),
}

var towelColours = []rgb{
	hex(236, 234, 228), hex(225, 214, 190), hex(92, 128, 168), hex(150, 160, 168),
	hex(120, 150, 120), hex(190, 110, 90), hex(60, 70, 100), hex(200, 200, 210),
	hex(170, 140, 170), hex(230, 225, 200),
}

var shirtColours = []rgb{
	hex(40, 60, 120), hex(180, 40, 40), hex(40, 110, 70), hex(60, 60, 60),
	hex(200, 200, 200), hex(230, 180, 60), hex(120, 70, 140), hex(90, 140, 190),
	hex(200, 130, 120),
}

var hairColours = []rgb{
	hex(30, 22, 18), hex(60, 40, 25), hex(110, 75, 45), hex(170, 130, 80),
	hex(200, 170, 110), hex(140, 135, 130), hex(20, 18, 18), hex(120, 50, 25),
}

var tableColours = []rgb{
	hex(120, 85, 55), hex(60, 45, 40), hex(40, 40, 45), hex(150, 120, 90), hex(90, 90, 95),
}

// Scene is everything the seed draws about how a session looks.
type Scene struct {
	W, H int
	Head models.Head
	Back models.Back // nominal geometry (no shake, mean breathing)

	BackSkin, HandSkin rgb
	Hair               rgb
	Towel, Cover       rgb
	Table              rgb
	TowelStripe        bool
	TowelAngle         float64 // radians, towel weave/fold direction
	TowelHalfWidth     float64 // in half widths of the back
	CoverLine          float64 // v of the waistband of the lower-body cover

	PalmWidth float64 // px
	Sleeves   int     // 0 none, 1 short, 2 long (to mid-forearm)
	Shirt     rgb
	// PartnerSide: where the partner's arms come from, in back coordinates
	// (the anchor of each arm, u and v).
	Anchor [2][2]float64
	// ArmBend is the elbow bend per hand (radians, outward).
	ArmBend [2]float64

	LightDir     [3]float64 // unit vector towards the light
	LightGrad    [2]float64 // brightness gradient over the frame (per half frame)
	Vignette     float64
	Exposure     float64 // base gain
	DriftAmp     float64 // slow exposure drift amplitude
	DriftPeriod  float64 // s
	FlickerAmp   float64
	FlickerFreq  float64 // Hz (aliased mains flicker)
	NoiseSigma   float64 // per channel, 0..1 units
	ShakeAmp     float64 // px
	BreathAmp    float64 // relative scale amplitude
	BreathPeriod float64 // s
	HeadTurn     float64 // -1..1 head offset (turned face)
	Moles        [][3]float64
	WhiteBalance rgb
	// Watch is the hand (0 or 1) wearing a wrist watch, -1 for none.
	Watch       int
	WatchColour rgb
	// Blur is the strength (0..1) of the lens softness.
	Blur float64
	// Oil is the strength of the oily sheen on the back.
	Oil float64
	// WBDrift is the amplitude of the slow auto-white-balance drift.
	WBDrift float64
	// FingerSpread scales how far the fingers splay; FingerLength their length.
	FingerSpread, FingerLength float64
	// HandYaw turns each hand outward (radians) on top of the script.
	HandYaw [2]float64
	// Shutter is the exposure time as a fraction of the frame interval
	// (motion blur of moving hands).
	Shutter float64
}

// NewScene draws a scene from the seed for a frame of w x h pixels with the
// receiver's head at head.
func NewScene(seed int64, w, h int, head models.Head) Scene {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed5eed))
	s := Scene{W: w, H: h, Head: head}
	uni := func(a, b float64) float64 { return a + (b-a)*r.Float64() }

	// Back geometry: back length L as a fraction of the image extent along
	// the spine, half width relative to L.
	along := float64(h)
	if head == models.HeadLeft || head == models.HeadRight {
		along = float64(w)
	}
	L := along * uni(0.56, 0.70)
	if head == models.HeadLeft || head == models.HeadRight {
		L = along * uni(0.46, 0.54)
	}
	H := L * uni(0.36, 0.43)
	// Centre of the back (v = 0.5) near the middle, the spine tilted a little.
	tilt := uni(-0.14, 0.14) // radians
	base := map[models.Head]float64{
		models.HeadTop: -math.Pi / 2, models.HeadBottom: math.Pi / 2,
		models.HeadLeft: math.Pi, models.HeadRight: 0,
	}[head]
	ang := base + tilt
	dir := models.Point{X: math.Cos(ang), Y: math.Sin(ang)}
	// Keep the shoulders (and the head beyond) a bit inside the frame: the
	// back centre sits slightly towards the waist side.
	cx := float64(w)/2 + uni(-0.06, 0.06)*float64(w)
	cy := float64(h)/2 + uni(-0.05, 0.05)*float64(h)
	c := models.Point{X: cx, Y: cy}.Sub(dir.Scale(L * uni(0.02, 0.08)))
	s.Back = models.Back{
		SpineBottom: c.Sub(dir.Scale(L / 2)),
		SpineTop:    c.Add(dir.Scale(L / 2)),
		HalfWidth:   H,
	}

	s.BackSkin = skinTones[r.IntN(len(skinTones))]
	switch r.IntN(3) {
	case 0: // nearly matching partner skin
		s.HandSkin = jitter(r, s.BackSkin, 0.025)
	default:
		s.HandSkin = skinTones[r.IntN(len(skinTones))]
	}
	s.BackSkin = jitter(r, s.BackSkin, 0.02)
	s.Hair = hairColours[r.IntN(len(hairColours))]
	s.Towel = jitter(r, towelColours[r.IntN(len(towelColours))], 0.03)
	s.Cover = jitter(r, towelColours[r.IntN(len(towelColours))], 0.05)
	s.Table = tableColours[r.IntN(len(tableColours))]
	s.TowelStripe = r.IntN(2) == 0
	s.TowelAngle = uni(-0.3, 0.3)
	s.TowelHalfWidth = uni(1.9, 2.6)
	s.CoverLine = uni(-0.03, 0.0) // the cover starts at the waist (W, v = 0): the camera sees waist to shoulders

	s.PalmWidth = L * uni(0.17, 0.21)
	s.Sleeves = r.IntN(3)
	s.Shirt = jitter(r, shirtColours[r.IntN(len(shirtColours))], 0.04)
	au := uni(0.5, 1.1)
	av := uni(-1.6, -1.1)
	s.Anchor = [2][2]float64{{-au, av}, {au + uni(-0.1, 0.1), av + uni(-0.1, 0.1)}}
	s.ArmBend = [2]float64{uni(0.05, 0.25), uni(0.05, 0.25)}

	la := uni(0, 2*math.Pi)
	el := uni(0.9, 1.25) // elevation from the image plane
	s.LightDir = [3]float64{math.Cos(la) * math.Cos(el), math.Sin(la) * math.Cos(el), math.Sin(el)}
	s.LightGrad = [2]float64{uni(-0.08, 0.08), uni(-0.08, 0.08)}
	s.Vignette = uni(0.08, 0.25)
	s.Exposure = uni(0.85, 1.08)
	s.DriftAmp = uni(0.03, 0.08)
	s.DriftPeriod = uni(6, 14)
	s.FlickerAmp = uni(0.005, 0.02)
	s.FlickerFreq = uni(3, 11)
	s.NoiseSigma = uni(0.008, 0.018)
	s.ShakeAmp = uni(0.8, 2.0)
	s.BreathAmp = uni(0.006, 0.012)
	s.BreathPeriod = uni(3.5, 5.0)
	s.HeadTurn = uni(-1, 1)
	n := 2 + r.IntN(6)
	for i := 0; i < n; i++ {
		s.Moles = append(s.Moles, [3]float64{uni(-0.9, 0.9), uni(0.05, 1.0), uni(0.004, 0.008)})
	}
	s.WhiteBalance = rgb{float32(uni(0.95, 1.05)), 1, float32(uni(0.93, 1.05))}
	// Drawn last so that earlier draws keep their values across versions.
	s.Watch = r.IntN(5) - 3
	if s.Watch < 0 {
		s.Watch = -1
	}
	s.WatchColour = []rgb{hex(30, 30, 32), hex(90, 60, 40), hex(170, 170, 175), hex(20, 40, 90)}[r.IntN(4)]
	s.Blur = uni(0.2, 0.9)
	s.Oil = uni(0.3, 1.0)
	s.WBDrift = uni(0.005, 0.02)
	if r.IntN(3) == 0 { // warm indoor light
		s.WhiteBalance = rgb{s.WhiteBalance[0] * 1.06, s.WhiteBalance[1], s.WhiteBalance[2] * 0.88}
	}
	s.FingerSpread = uni(0.3, 2.2)
	s.FingerLength = uni(0.9, 1.08)
	s.HandYaw = [2]float64{uni(-0.15, 0.35), uni(-0.15, 0.35)}
	s.Shutter = uni(0.25, 0.8)
	return s
}

func jitter(r *rand.Rand, c rgb, amt float64) rgb {
	k := float32(1 + (r.Float64()*2-1)*amt)
	out := c.scale(k)
	for i := range out {
		out[i] += float32((r.Float64()*2 - 1) * amt * 0.5)
		out[i] = clamp01(out[i])
	}
	return out
}

func clamp01(x float32) float32 {
	if x < 0 {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

// MatchSkin makes the partner's skin nearly match the receiver's (the hard
// case for colour-based tracking).
func (s *Scene) MatchSkin() {
	s.HandSkin = rgb{clamp01(s.BackSkin[0] * 1.02), clamp01(s.BackSkin[1] * 1.0), clamp01(s.BackSkin[2] * 0.98)}
}

// ContrastSkin makes the partner's skin clearly differ from the receiver's.
func (s *Scene) ContrastSkin() {
	best, bd := s.HandSkin, float32(0)
	for _, c := range skinTones {
		d := abs32(c[0]-s.BackSkin[0]) + abs32(c[1]-s.BackSkin[1]) + abs32(c[2]-s.BackSkin[2])
		if d > bd {
			best, bd = c, d
		}
	}
	s.HandSkin = best
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
