package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/backcoach/backcoach/models"
)

// Options select what to render.
type Options struct {
	Scenario string
	Seed     int64
	// Duration in seconds; 0 uses the scenario's natural length.
	Duration float64
	Head     models.Head
	Width    int
	Height   int
	FPS      float64
	// Tuning marks the video as usable for tuning the tracker.
	Tuning bool
	// StartOnBack starts the session with the hands already resting on the
	// back (no hand-free frames for calibration), as real recordings often do.
	StartOnBack bool
	// Tweak, when set, adjusts the drawn scene before rendering (used for
	// held-out variants such as near-matching skin with sleeves).
	Tweak func(*Scene)
}

func (o *Options) defaults() error {
	if o.Head == "" {
		o.Head = models.HeadTop
	}
	if _, ok := models.ParseHead(string(o.Head)); !ok {
		return fmt.Errorf("head %q: want top, bottom, left or right", o.Head)
	}
	if o.Width == 0 {
		o.Width = 640
	}
	if o.Height == 0 {
		o.Height = 480
	}
	if o.FPS == 0 {
		o.FPS = 30
	}
	if o.Width < 64 || o.Height < 48 || o.Width > 4096 || o.Height > 4096 {
		return fmt.Errorf("size %dx%d: want 64x48 to 4096x4096", o.Width, o.Height)
	}
	if o.Width%2 != 0 || o.Height%2 != 0 {
		return fmt.Errorf("size %dx%d: width and height must be even for H.264", o.Width, o.Height)
	}
	if o.FPS < 1 || o.FPS > 240 || math.IsNaN(o.FPS) {
		return fmt.Errorf("fps %v: want 1 to 240", o.FPS)
	}
	if o.Duration < 0 || o.Duration > 3600 || math.IsNaN(o.Duration) {
		return fmt.Errorf("duration %v: want 0 (scenario length) to 3600 s", o.Duration)
	}
	return nil
}

// Session is a planned video: its scene, scripted hands and truth. Frames are
// rendered on demand with RenderFrame.
type Session struct {
	Opts  Options
	Scene Scene
	Truth models.Truth

	poses  [][2]Pose
	shake  []models.Point
	st     *static
	lay    *layer
	noise  []float32
	tmpA   []float32
	tmpB   []float32
	tmpC   []float32
	oil    []float32 // oil spread on the back so far (0..1 per pixel)
	oilTo  int       // frames whose oil is already in oil
	frame  []float32
	seed32 uint32
}

// Plan draws the scene and scripts the hands; it renders nothing yet.
func Plan(opts Options) (*Session, error) {
	if err := opts.defaults(); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	sc := NewScene(opts.Seed, opts.Width, opts.Height, opts.Head)
	if opts.Tweak != nil {
		opts.Tweak(&sc)
	}
	sp, end, err := buildScript(opts.Scenario, opts.Seed, &sc, opts.Duration, opts.StartOnBack)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	n := int(math.Round(end * opts.FPS))
	s := &Session{Opts: opts, Scene: sc, seed32: uint32(opts.Seed*2654435761 + 12345)}
	s.Truth = models.Truth{
		Scenario:    opts.Scenario,
		Description: Describe(opts.Scenario),
		Seed:        opts.Seed,
		FPS:         opts.FPS,
		Width:       opts.Width,
		Height:      opts.Height,
		Head:        opts.Head,
		Back:        sc.Back,
		PalmWidth:   round3(sc.PalmWidth),
		Zones:       sp.zones,
		Segments:    sp.segs,
		Tuning:      opts.Tuning,
	}
	// Camera shake: a sum of slow sines, at most ShakeAmp px per axis.
	r := rand.New(rand.NewPCG(uint64(opts.Seed), 0x5a4e))
	var fr, ph [2][3]float64
	for a := 0; a < 2; a++ {
		for k := 0; k < 3; k++ {
			fr[a][k] = 0.15 + 1.6*r.Float64()
			ph[a][k] = 2 * math.Pi * r.Float64()
		}
	}
	s.poses = make([][2]Pose, n)
	s.shake = make([]models.Point, n)
	s.Truth.Frames = make([]models.TruthFrame, n)
	for i := 0; i < n; i++ {
		t := float64(i) / opts.FPS
		var sh [2]float64
		for a := 0; a < 2; a++ {
			for k := 0; k < 3; k++ {
				sh[a] += math.Sin(2*math.Pi*fr[a][k]*t+ph[a][k]) / 3
			}
			sh[a] *= sc.ShakeAmp
		}
		s.shake[i] = models.Point{X: sh[0], Y: sh[1]}
		tf := models.TruthFrame{I: i, T: round3(t), Hands: []models.TruthHand{}}
		if sp.hands {
			s.poses[i] = sp.sample(t)
			for h := 0; h < 2; h++ {
				p := s.palmCentre(i, h)
				vis := p.X >= 0 && p.Y >= 0 && p.X < float64(opts.Width) && p.Y < float64(opts.Height)
				tf.Hands = append(tf.Hands, models.TruthHand{ID: h, X: round3(p.X), Y: round3(p.Y), Visible: vis})
			}
		}
		s.Truth.Frames[i] = tf
	}
	if !sp.hands {
		s.poses = nil
	}
	return s, nil
}

// Frames is the number of frames of the session.
func (s *Session) Frames() int { return len(s.Truth.Frames) }

// Pose returns the scripted pose of hand h (0 left, 1 right) in frame i; ok is
// false when the session has no hands.
func (s *Session) Pose(i, h int) (Pose, bool) {
	if s.poses == nil || i < 0 || i >= len(s.poses) || h < 0 || h > 1 {
		return Pose{}, false
	}
	return s.poses[i][h], true
}

// palmCentre is the rendered palm centre of hand h in frame i (with shake).
func (s *Session) palmCentre(i, h int) models.Point {
	p := s.poses[i][h]
	return s.Scene.Back.Point(p.U, p.V).Add(s.shake[i])
}
