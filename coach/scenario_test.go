package coach_test

import (
	"reflect"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/coach/scripttest"
	"github.com/backcoach/backcoach/models"
)

type C = models.Code

const (
	good_  = models.CodeGoodStroke
	fast   = models.CodeTooFast
	spine  = models.CodeOnSpine
	nocirc = models.CodeNoCircles
	low    = models.CodeStartLow
	reach  = models.CodeReachShoulders
	wrongd = models.CodeWrongDirection
	zone   = models.CodeAvoidZone
	lost   = models.CodeHandsLost
)

type scenario struct {
	name     string
	r        func(*coach.Routine)
	zones    []models.Zone
	script   scripttest.Script
	verdicts [][]C // exact verdicts per stroke, in order (nil: not checked)
	only     []C   // the feedback codes must be exactly this set (nil: not checked)
	want     []C   // each must be given
	forbid   []C   // none may be given
}

func check(t *testing.T, sc scenario) {
	t.Helper()
	o := run(t, routine(sc.r), sc.zones, sc.script)
	got := o.codes()
	fail := false
	if sc.verdicts != nil && !reflect.DeepEqual(o.verdicts(), sc.verdicts) {
		t.Errorf("verdicts %v, want %v", o.verdicts(), sc.verdicts)
		fail = true
	}
	if sc.only != nil {
		set := map[C]bool{}
		for _, c := range sc.only {
			set[c] = true
			if got[c] == 0 {
				t.Errorf("no %s given", c)
				fail = true
			}
		}
		for c := range got {
			if !set[c] {
				t.Errorf("%s given, want only %v", c, sc.only)
				fail = true
			}
		}
	}
	for _, c := range sc.want {
		if got[c] == 0 {
			t.Errorf("no %s given", c)
			fail = true
		}
	}
	for _, c := range sc.forbid {
		if got[c] > 0 {
			t.Errorf("%s given", c)
			fail = true
		}
	}
	if fail || testing.Verbose() {
		t.Logf("outcome:\n%s", o)
	}
}

func both(a, b *scripttest.Path) scripttest.Script {
	return scripttest.Script{Hands: []*scripttest.Path{a, b}, Seed: 7}
}

// TestEachCodeFires: each fault of the routine gives its code, and a correct
// session gives good_stroke and nothing else.
func TestEachCodeFires(t *testing.T) {
	fastAsc := good(-0.45)
	fastAsc.dur, fastAsc.turns = 1.3, 2
	straight := good(-0.45)
	straight.turns = 0
	high := good(-0.45)
	high.from, high.dur, high.turns = 0.5, 3, 2.5
	short := good(-0.45)
	short.to, short.dur, short.turns, short.after = 0.55, 3, 2.5, "side"
	slide := good(-0.45)
	slide.after, slide.slideTo, slide.to = "slide", 0.3, 0.88
	onSpine := good(-0.04)
	onSpine.r = 0.02
	zoneAsc := good(-0.45)
	for _, sc := range []scenario{
		{name: "good session, both hands", script: both(
			path(1, good(-0.45), good(-0.45), good(-0.45)),
			path(1, good(0.45), good(0.45), good(0.45))),
			verdicts: [][]C{{good_}, {good_}, {good_}, {good_}, {good_}, {good_}}, only: []C{good_}},
		{name: "too_fast", script: one(path(1, fastAsc)), verdicts: [][]C{{fast}}, only: []C{fast}},
		{name: "no_circles", script: one(path(1, straight)), verdicts: [][]C{{nocirc}}, only: []C{nocirc}},
		{name: "start_low", script: one(path(1, high)), verdicts: [][]C{{low}}, only: []C{low}},
		{name: "reach_shoulders", script: one(path(1, short)), verdicts: [][]C{{reach}}, only: []C{reach}},
		{name: "wrong_direction", script: one(path(1, slide)), verdicts: [][]C{{good_}}, only: []C{good_, wrongd}},
		{name: "on_spine", script: one(path(1, onSpine)), verdicts: [][]C{{spine}}, only: []C{spine}},
		{name: "avoid_zone", script: one(path(1, zoneAsc)),
			zones:    []models.Zone{{Points: [][2]float64{{-0.7, 0.4}, {-0.2, 0.4}, {-0.2, 0.55}, {-0.7, 0.55}}}},
			verdicts: [][]C{{zone}}, only: []C{zone}},
		{name: "hands_lost", script: one(path(1, good(-0.45)).Hide(4).Jump(-0.45, 0.15).Hold(2)),
			verdicts: [][]C{{good_}}, only: []C{good_, lost}},
	} {
		t.Run(sc.name, func(t *testing.T) { check(t, sc) })
	}
}
