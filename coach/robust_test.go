package coach_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/coach/scripttest"
	"github.com/backcoach/backcoach/models"
)

// TestJitterDoesNotSplitStrokes: ±3 px jitter, dropped frames, missed
// hands and false hands never split or double a stroke, nor spoil a good one.
func TestJitterDoesNotSplitStrokes(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		s := both(path(1, good(-0.45), good(-0.4), good(-0.5)), path(1, good(0.45), good(0.5), good(0.4)))
		s.Jitter, s.DropFrames, s.MissHands, s.Ghosts, s.Seed = 3, 0.03, 0.03, 0.02, seed
		o := run(t, nil, nil, s)
		if len(o.strokes) != 6 {
			t.Errorf("seed %d: %d strokes, want 6\n%s", seed, len(o.strokes), o)
			continue
		}
		for _, st := range o.strokes {
			if !st.Good() {
				t.Errorf("seed %d: stroke %+v not good\n%s", seed, st, o)
			}
		}
		for c := range o.codes() {
			if c != good_ {
				t.Errorf("seed %d: %s given\n%s", seed, c, o)
			}
		}
	}
}

// TestSwappedIDs: vision swapping its ids mid-stroke does not swap the
// coach's hands.
func TestSwappedIDs(t *testing.T) {
	s := both(path(1, good(-0.45), good(-0.45)), path(1, good(0.45), good(0.45)))
	s.SwapIDs = 4
	o := run(t, nil, nil, s)
	if len(o.strokes) != 4 {
		t.Fatalf("%d strokes, want 4\n%s", len(o.strokes), o)
	}
	for _, st := range o.strokes {
		if !st.Good() {
			t.Errorf("stroke %+v not good", st)
		}
	}
	hands := map[int]int{}
	for _, st := range o.strokes {
		hands[st.Hand]++
	}
	if hands[0] != 2 || hands[1] != 2 {
		t.Errorf("strokes per hand %v, want 2 each\n%s", hands, o)
	}
}

// TestGettingIntoPlace: hands that come in from the shoulders, cross the
// spine and slide down to the lower back quickly are not judged until they
// have settled; the stroke after that is.
func TestGettingIntoPlace(t *testing.T) {
	// Lands on the back at v 0.9, sweeps over the spine and down to the lower
	// back in 0.9 s, then settles and strokes correctly.
	in := scripttest.Start(0.05, 0.9).Line(0.0, 0.6, 0.4).Line(-0.45, 0.15, 0.5).Hold(1.2)
	g := good(-0.45)
	g.hold = 0.3
	p := in.Then(path(0, g))
	o := run(t, nil, nil, one(p))
	if len(o.strokes) != 1 || !o.strokes[0].Good() {
		t.Errorf("strokes %v, want one good\n%s", o.verdicts(), o)
	}
	for c := range o.codes() {
		if c != good_ {
			t.Errorf("%s given while getting into place\n%s", c, o)
		}
	}
	// A hand that starts its ascent the moment it appears has not settled:
	// that stroke is not judged (the next one is).
	g0 := good(-0.45)
	g0.hold = -1
	o = run(t, nil, nil, one(path(0, g0, good(-0.45))))
	if len(o.strokes) != 1 || !o.strokes[0].Good() || o.strokes[0].Start < 8.5 {
		t.Errorf("strokes %v, want only the second, good\n%s", o.verdicts(), o)
	}
	// A hand that only rests gets nothing at all.
	o = run(t, nil, nil, one(scripttest.Start(-0.4, 0.2).Hold(20)))
	if len(o.feedback)+len(o.strokes) != 0 {
		t.Errorf("resting hand judged\n%s", o)
	}
	// No hands at all: nothing, not even hands_lost.
	c := coach.New(nil, scripttest.Back)
	for i := 0; i < 300; i++ {
		if up := c.Observe(models.FrameObs{Index: i, T: float64(i) / 30}); len(up.Feedback) > 0 {
			t.Fatalf("feedback with no hands: %v", up.Feedback)
		}
	}
}

// TestLiftOffIsNotWrongDirection: lifting off at the shoulders and putting
// the hand down at the lower back, or going down the arms, is the routine.
func TestLiftOffIsNotWrongDirection(t *testing.T) {
	lift := good(-0.45)
	lift.after, lift.to = "lift", 0.9
	o := run(t, nil, nil, one(path(1, lift, lift, good(-0.45), good(-0.45))))
	if o.codes()[wrongd] > 0 || len(o.strokes) != 4 {
		t.Errorf("want 4 strokes and no wrong_direction\n%s", o)
	}
	for _, st := range o.strokes {
		if st.Hand != 0 || !st.Good() {
			t.Errorf("stroke %+v: want hand 0 (the same hand throughout), good", st)
		}
	}
}

// TestWobbleIsNotWrongDirection: small slips down while circling upward are
// not sliding down the back.
func TestWobbleIsNotWrongDirection(t *testing.T) {
	p := scripttest.Start(-0.45, 0.15).Hold(1.5).
		Line(-0.45, 0.45, 2).Line(-0.45, 0.25, 0.8).Line(-0.45, 0.6, 2).Line(-0.45, 0.4, 0.8).Line(-0.45, 0.9, 2).Hide(2)
	o := run(t, nil, nil, one(p))
	if o.codes()[wrongd] > 0 {
		t.Errorf("wobble gave wrong_direction\n%s", o)
	}
}

// TestStartLowIsNotTripled: a stroke begun high is told to start lower,
// not also to speed down or circle more for its shorter way.
func TestStartLowIsNotTripled(t *testing.T) {
	a := good(-0.45)
	a.from, a.dur, a.turns = 0.55, 2.2, 1.5
	o := run(t, nil, nil, one(path(1, a)))
	if len(o.strokes) != 1 || len(o.strokes[0].Verdicts) != 1 || o.strokes[0].Verdicts[0] != low {
		t.Errorf("verdicts %v, want [[start_low]]\n%s", o.verdicts(), o)
	}
}

// TestDebounce: a fault that lasts is told at most once per debounce period
// per hand.
func TestDebounce(t *testing.T) {
	p := scripttest.Start(-0.4, 0.4).Hold(2).Line(0, 0.4, 0.3).Hold(9).Line(-0.4, 0.4, 0.3).Hold(1)
	o := run(t, nil, nil, one(p))
	var ts []float64
	for _, f := range o.feedback {
		if f.Code == spine {
			ts = append(ts, f.T)
		}
	}
	if len(ts) < 3 || len(ts) > 5 {
		t.Errorf("on_spine told %d times in 9 s, want 3 to 5: %v", len(ts), ts)
	}
	for i := 1; i < len(ts); i++ {
		if ts[i]-ts[i-1] < 2-1e-9 {
			t.Errorf("on_spine told at %v and %v, less than 2 s apart", ts[i-1], ts[i])
		}
	}
}

// TestReceiver: lighter and firmer are told (debounced), stop pauses the
// judging until resume, and the hands settle again after it.
func TestReceiver(t *testing.T) {
	c := coach.New(nil, scripttest.Back)
	fast := good(-0.45)
	fast.dur, fast.turns = 1.2, 2
	last := good(-0.45)
	last.hold = 1.6 // after resume the hand settles again before its stroke
	frames := one(path(1, good(-0.45), fast, fast, last)).Frames()
	var strokes []models.Stroke
	for _, f := range frames {
		switch {
		case f.T == frames[60].T:
			fb, err := c.Receiver(f.T, "lighter")
			if err != nil || fb.Code != models.CodeLighter || fb.Message == "" {
				t.Errorf("lighter: %+v, %v", fb, err)
			}
			if _, err := c.Receiver(f.T+0.5, "lighter"); !errors.Is(err, coach.ErrDebounced) {
				t.Errorf("lighter again: err %v, want ErrDebounced", err)
			}
			if fb, err := c.Receiver(f.T+0.6, "firmer"); err != nil || fb.Code != models.CodeFirmer {
				t.Errorf("firmer: %+v, %v", fb, err)
			}
		case f.T == frames[290].T: // before the fast strokes
			if fb, err := c.Receiver(f.T, "stop"); err != nil || fb.Code != models.CodeStop {
				t.Errorf("stop: %+v, %v", fb, err)
			}
			if !c.Paused() {
				t.Error("not paused after stop")
			}
		case f.T == frames[len(frames)-330].T: // before the last stroke
			if _, err := c.Receiver(f.T, "resume"); err != nil {
				t.Errorf("resume: %v", err)
			}
		}
		up := c.Observe(f)
		strokes = append(strokes, up.Strokes...)
	}
	strokes = append(strokes, c.Finish(frames[len(frames)-1].T).Strokes...)
	if _, err := c.Receiver(1, "harder"); err == nil {
		t.Error("unknown action accepted")
	}
	if _, err := c.Receiver(math.NaN(), "stop"); err == nil {
		t.Error("NaN time accepted")
	}
	var v [][]C
	for _, s := range strokes {
		v = append(v, s.Verdicts)
	}
	if len(v) != 2 || !strokes[0].Good() || !strokes[1].Good() {
		t.Errorf("strokes %v, want the first and last, both good (the fast ones paused)", v)
	}
	codes := map[C]int{}
	for _, f := range c.Feedback() {
		codes[f.Code]++
	}
	if codes[models.CodeLighter] != 1 || codes[models.CodeFirmer] != 1 || codes[models.CodeStop] != 1 || codes[fast_] != 0 {
		t.Errorf("feedback counts %v", codes)
	}
}

// TestBadInput: odd frames never panic and are ignored.
func TestBadInput(t *testing.T) {
	c := coach.New(nil, scripttest.Back)
	frames := []models.FrameObs{
		{T: 0, Hands: []models.Hand{{X: math.NaN(), Y: 1}, {X: math.Inf(1), Y: 2}}},
		{T: math.NaN()},
		{T: 0.1, Hands: make([]models.Hand, 50)},
		{T: 0.05, Hands: []models.Hand{{X: 300, Y: 300}}}, // out of order
		{T: 0.2, Hands: []models.Hand{{ID: 7, X: 1e12, Y: -1e12}}},
		{T: 0.3, Hands: []models.Hand{{ID: 1, X: 300, Y: 300}, {ID: 1, X: 300, Y: 300}}},
		{T: 0.3, Hands: []models.Hand{{ID: 1, X: 300, Y: 300}}}, // repeated time
		{T: math.Inf(1)},
	}
	for _, f := range frames {
		c.Observe(f)
	}
	c.Finish(math.NaN())
	c.Finish(1)
	_ = c.Summary()
	// An uncalibrated back: hands pass through, nothing is judged.
	c = coach.New(nil, models.Back{})
	for _, f := range one(path(1, good(-0.45))).Frames() {
		if up := c.Observe(f); len(up.Feedback)+len(up.Strokes) > 0 {
			t.Fatal("judged without a back")
		}
	}
	// A nil routine is the default one.
	if coach.New(nil, scripttest.Back).Routine().Name != "back-basic" {
		t.Error("nil routine is not back-basic")
	}
}

// TestUpdate: each frame's update has the hands in (u, v) with speed and
// phase, and the phases go ascent, across, down.
func TestUpdate(t *testing.T) {
	c := coach.New(nil, scripttest.Back)
	seen := map[models.Phase]bool{}
	for _, f := range one(path(1, good(-0.45))).Frames() {
		up := c.Observe(f)
		if up.T != f.T || up.Index != f.Index {
			t.Fatalf("update %v/%v for frame %v/%v", up.T, up.Index, f.T, f.Index)
		}
		// A hand is reported from its third detection on.
		if want := len(f.Hands); (f.Index >= 2 && len(up.Hands) != want) || len(up.Hands) > want {
			t.Fatalf("t=%.2f: %d hands, want %d", f.T, len(up.Hands), want)
		}
		for _, h := range up.Hands {
			if h.Speed < 0 || h.Speed > 3 || math.IsNaN(h.U) || math.IsNaN(h.V) {
				t.Fatalf("bad hand %+v", h)
			}
			seen[h.Phase] = true
		}
		if f.Index == 2 && len(up.Hands) == 1 {
			if math.Abs(up.Hands[0].U+0.45) > 0.02 || math.Abs(up.Hands[0].V-0.15) > 0.02 {
				t.Errorf("first hand at (%.3f, %.3f), want (-0.45, 0.15)", up.Hands[0].U, up.Hands[0].V)
			}
		}
	}
	for _, p := range []models.Phase{models.PhaseIdle, models.PhaseAscent, models.PhaseAcross, models.PhaseDown} {
		if !seen[p] {
			t.Errorf("phase %s never seen (saw %v)", p, seen)
		}
	}
}

// TestSummary: counts, advice in plain words, coverage of both sides.
func TestSummary(t *testing.T) {
	fast := good(0.45)
	fast.dur, fast.turns = 1.3, 2
	o := run(t, nil, nil, both(path(1, good(-0.45), good(-0.45)), path(1, fast, fast)))
	s := o.coach.Summary()
	if s.Strokes != 4 || s.GoodStrokes != 2 || s.Codes[fast_] == 0 || s.Codes[good_] != 0 {
		t.Errorf("summary %+v", s)
	}
	if s.Advice != "2 of 4 strokes were good; slow down on the way up." {
		t.Errorf("advice %q", s.Advice)
	}
	if s.Coverage == nil || s.Coverage.LeftSeconds < 3 || s.Coverage.RightSeconds < 1 {
		t.Errorf("coverage %+v", s.Coverage)
	}
	if s.Duration < 15 {
		t.Errorf("duration %v", s.Duration)
	}
	if len(o.coach.Strokes()) != 4 || len(o.coach.Feedback()) != len(o.feedback) {
		t.Error("Strokes/Feedback do not match the updates")
	}
	fb := o.coach.Feedback()
	for i := 1; i < len(fb); i++ {
		if fb[i].T < fb[i-1].T {
			t.Errorf("feedback out of time order: %v then %v", fb[i-1], fb[i])
		}
	}
}

const fast_ = models.CodeTooFast

// TestRoutineFileChangesVerdict: the same stroke judged by two routine
// files gets the verdicts each file says.
func TestRoutineFileChangesVerdict(t *testing.T) {
	dir := t.TempDir()
	a := good(-0.45)
	a.dur, a.from = 4, 0.38 // a 4 s ascent begun at v 0.38
	s := one(path(1, a))
	for _, tc := range []struct {
		file string
		want []C
	}{
		{"", []C{low}},
		{"start:\n  v_max: 0.45\n", []C{good_}},
		{"start:\n  v_max: 0.45\npace:\n  min_ascent: 5\n", []C{fast}},
		{"start:\n  v_max: 0.45\ncircles:\n  min_count: 6\n", []C{nocirc}},
		{"start:\n  v_max: 0.45\nshoulders:\n  v_min: 0.95\n", []C{reach}},
		{"start:\n  v_max: 0.45\npace:\n  speed_limit: 0.12\n", []C{fast}},
		{"start:\n  v_max: 0.45\ncircles:\n  radius_max: 0.03\n  radius_min: 0.01\n", []C{nocirc}},
		{"start:\n  v_max: 0.45\nside:\n  u_min: 0.5\nspine:\n  u_max: 0.5\n", []C{spine}},
	} {
		r := coach.DefaultRoutine()
		if tc.file != "" {
			path := filepath.Join(dir, "r.yaml")
			if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			if r, err = coach.LoadRoutine(path); err != nil {
				t.Fatalf("%q: %v", tc.file, err)
			}
		}
		o := run(t, r, nil, s)
		if len(o.strokes) != 1 || !equalCodes(o.strokes[0].Verdicts, tc.want) {
			t.Errorf("routine %q: verdicts %v, want [%v]\n%s", tc.file, o.verdicts(), tc.want, o)
		}
	}
}

func equalCodes(a, b []C) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMissedMidStroke: the tracker losing a hand for 0.6 s mid-ascent
// (while it moves on) does not end or split the stroke.
func TestMissedMidStroke(t *testing.T) {
	frames := one(path(1, good(-0.45))).Frames()
	for i := range frames {
		if frames[i].T >= 4 && frames[i].T < 4.6 {
			frames[i].Hands = nil
		}
	}
	c := coach.New(nil, scripttest.Back)
	for _, f := range frames {
		c.Observe(f)
	}
	c.Finish(frames[len(frames)-1].T)
	st := c.Strokes()
	if len(st) != 1 || !st[0].Good() {
		t.Errorf("strokes %+v, want one good", st)
	}
}

// BenchmarkObserve measures the coach per frame on a two-hand session with
// jitter (the report's figure: frames per second).
func BenchmarkObserve(b *testing.B) {
	s := both(path(1, good(-0.45), good(-0.45), good(-0.45)), path(1, good(0.45), good(0.45), good(0.45)))
	s.Jitter = 3
	frames := s.Frames()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		c := coach.New(nil, scripttest.Back)
		for _, f := range frames {
			c.Observe(f)
			n++
		}
		c.Finish(frames[len(frames)-1].T)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "frames/s")
}

// TestGhostStorm: a frame full of false hands every frame stays cheap and
// never makes more hands than the routine allows.
func TestGhostStorm(t *testing.T) {
	s := one(path(1, good(-0.45), good(-0.45)))
	frames := s.Frames()
	c := coach.New(nil, scripttest.Back)
	for i, f := range frames {
		for k := 0; k < 8; k++ {
			f.Hands = append(f.Hands, models.Hand{ID: 10 + k, X: float64((i*37+k*101)%640) + 0.5, Y: float64((i*53+k*67)%480) + 0.5})
		}
		up := c.Observe(f)
		if len(up.Hands) > 2 {
			t.Fatalf("%d hands at t=%.2f", len(up.Hands), f.T)
		}
	}
	c.Finish(frames[len(frames)-1].T)
}

// TestFrameRatesAndBacks: the verdicts do not depend on the frame rate, the
// camera's distance or the head's side of the image.
func TestFrameRatesAndBacks(t *testing.T) {
	small := models.Back{SpineBottom: models.Point{X: 100, Y: 200}, SpineTop: models.Point{X: 250, Y: 190}, HalfWidth: 60} // head right, L ≈ 150 px
	big := models.Back{SpineBottom: models.Point{X: 900, Y: 300}, SpineTop: models.Point{X: 920, Y: 1000}, HalfWidth: 280} // head bottom, L ≈ 700 px
	fast := good(0.45)
	fast.dur, fast.turns = 1.3, 2
	for _, tc := range []struct {
		name string
		fps  float64
		back models.Back
	}{
		{"15 fps", 15, scripttest.Back},
		{"25 fps", 25, scripttest.Back},
		{"60 fps", 60, scripttest.Back},
		{"small back, head right", 30, small},
		{"big back, head bottom", 30, big},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := path(1, good(-0.45), good(-0.45))
			b := path(1, good(0.45), fast)
			a.OnBack(tc.back)
			b.OnBack(tc.back)
			s := scripttest.Script{FPS: tc.fps, Back: tc.back, Hands: []*scripttest.Path{a, b}, Jitter: 3 * tc.back.Length() / 330, Seed: 3}
			c := coach.New(nil, tc.back)
			var strokes []models.Stroke
			frames := s.Frames()
			for _, f := range frames {
				strokes = append(strokes, c.Observe(f).Strokes...)
			}
			strokes = append(strokes, c.Finish(frames[len(frames)-1].T).Strokes...)
			got := map[int][]string{}
			for _, st := range strokes {
				got[st.Hand] = append(got[st.Hand], fmt.Sprint(st.Verdicts))
			}
			want := map[int][]string{0: {"[good_stroke]", "[good_stroke]"}, 1: {"[good_stroke]", "[too_fast]"}}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("verdicts per hand %v, want %v", got, want)
			}
		})
	}
}

// TestCrossingHands: hands that cross over keep their numbers, even when
// vision swaps its ids as they cross.
func TestCrossingHands(t *testing.T) {
	a := scripttest.Start(-0.5, 0.5).Hold(1.5).Line(0.5, 0.6, 1.0).Hold(1.5)
	b := scripttest.Start(0.5, 0.5).Hold(1.5).Line(-0.5, 0.4, 1.0).Hold(1.5)
	s := both(a, b)
	s.SwapIDs = 2.0
	s.Jitter = 2
	c := coach.New(nil, scripttest.Back)
	var last models.Update
	for _, f := range s.Frames() {
		last = c.Observe(f)
	}
	if len(last.Hands) != 2 {
		t.Fatalf("%d hands at the end", len(last.Hands))
	}
	for _, h := range last.Hands {
		if (h.ID == 0) != (h.U > 0) {
			t.Errorf("hand %d ends at u=%.2f: the hands' numbers swapped", h.ID, h.U)
		}
	}
}

// TestSeldomSeen: a stroke the hand was seen in too few frames of is not
// judged at all (tracking.min_coverage), rather than judged wrong.
func TestSeldomSeen(t *testing.T) {
	for _, miss := range []float64{0.2, 0.55} {
		s := one(path(1, good(-0.45)))
		s.MissHands, s.Seed = miss, 5
		o := run(t, nil, nil, s)
		switch {
		case miss < 0.4 && (len(o.strokes) != 1 || !o.strokes[0].Good()):
			t.Errorf("%.0f%% missed: strokes %v, want one good\n%s", miss*100, o.verdicts(), o)
		case miss > 0.4 && len(o.strokes) != 0:
			t.Errorf("%.0f%% missed: strokes %v, want none judged\n%s", miss*100, o.verdicts(), o)
		}
	}
}

// TestTrackingGapMidStroke: a hand the tracker loses for two seconds
// mid-ascent is not told it stopped short, nor, when found again mid-back,
// that it started high: the coach did not see those.
func TestTrackingGapMidStroke(t *testing.T) {
	frames := one(path(1, good(-0.45), good(-0.45))).Frames()
	for i := range frames {
		if frames[i].T >= 3 && frames[i].T < 5 {
			frames[i].Hands = nil
		}
	}
	c := coach.New(nil, scripttest.Back)
	for _, f := range frames {
		c.Observe(f)
	}
	c.Finish(frames[len(frames)-1].T)
	st := c.Strokes()
	if len(st) != 1 || !st[0].Good() || st[0].Start < 8 {
		t.Errorf("strokes %+v, want only the second, good", st)
	}
	for _, f := range c.Feedback() {
		if f.Code != models.CodeGoodStroke {
			t.Errorf("%s told at %.2f", f.Code, f.T)
		}
	}
}

// TestNumbersBySide: once settled, the hand on the receiver's left is 0 and
// the one on the right 1, whatever order they showed up in.
func TestNumbersBySide(t *testing.T) {
	b := scripttest.Start(-0.2, 0.15).Line(0.45, 0.15, 0.5).Hold(3) // shows up left of the spine, settles right
	a := scripttest.Start(-0.45, 0.15).Hold(3.5)
	s := both(b, a)
	c := coach.New(nil, scripttest.Back)
	var last models.Update
	for _, f := range s.Frames() {
		last = c.Observe(f)
	}
	if len(last.Hands) != 2 {
		t.Fatalf("%d hands", len(last.Hands))
	}
	for _, h := range last.Hands {
		if (h.ID == 0) != (h.U < 0) {
			t.Errorf("hand %d settled at u=%.2f", h.ID, h.U)
		}
	}
}
