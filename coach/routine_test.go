package coach_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/coach"
)

// TestDefaultRoutine: the embedded routine holds the numbers of DESIGN.md.
func TestDefaultRoutine(t *testing.T) {
	r := coach.DefaultRoutine()
	if r == nil {
		t.Fatal("embedded routine does not parse")
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"start.v_max", r.Start.VMax, 0.30},
		{"side.u_min", r.Side.UMin, 0.15},
		{"side.u_max", r.Side.UMax, 0.85},
		{"spine.u_max", r.Spine.UMax, 0.10},
		{"spine.v_min", r.Spine.VMin, 0.1},
		{"spine.v_max", r.Spine.VMax, 1},
		{"spine.persist", r.Spine.Persist, 0.5},
		{"shoulders.v_min", r.Shoulders.VMin, 0.85},
		{"circles.min_count", float64(r.Circles.MinCount), 2},
		{"circles.radius_min", r.Circles.RadiusMin, 0.02},
		{"circles.radius_max", r.Circles.RadiusMax, 0.15},
		{"pace.speed_limit", r.Pace.SpeedLimit, 0.45},
		{"pace.speed_window", r.Pace.SpeedWindow, 0.5},
		{"pace.too_fast_persist", r.Pace.TooFastPersist, 0.5},
		{"pace.min_ascent", r.Pace.MinAscent, 3},
		{"wrong_direction.drop", r.WrongDirection.Drop, 0.3},
		{"hands_lost.after", r.HandsLost.After, 3},
		{"debounce", r.Debounce, 2},
		{"tracking.settle", r.Tracking.Settle, 1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if r.Name != "back-basic" {
		t.Errorf("name %q", r.Name)
	}
	// A copy: changing it does not change the default.
	r.Pace.SpeedLimit = 9
	if coach.DefaultRoutine().Pace.SpeedLimit != 0.45 {
		t.Error("DefaultRoutine shares its value")
	}
	// The embedded text parses as a user file too.
	if _, err := coach.ParseRoutine("x.yaml", coach.DefaultRoutineYAML()); err != nil {
		t.Errorf("embedded text as a user file: %v", err)
	}
}

// TestParseRoutineErrors: a broken file gets an error naming the file, the
// line and the field; impossible values are rejected, not clamped.
func TestParseRoutineErrors(t *testing.T) {
	for _, c := range []struct {
		name, text string
		line       int
		field      string
		msg        string
	}{
		{"unknown field", "name: x\npace:\n  speed_limt: 0.4\n", 3, "pace.speed_limt", "unknown field"},
		{"unknown top field", "name: x\ncolour: red\n", 2, "colour", "unknown field"},
		{"wrong type", "name: x\npace:\n  speed_limit: fast\n", 3, "pace.speed_limit", "cannot unmarshal"},
		{"negative speed", "pace:\n  speed_limit: -0.45\n", 2, "pace.speed_limit", "negative"},
		{"zero speed", "pace:\n  speed_limit: 0\n", 2, "pace.speed_limit", "greater than 0"},
		{"NaN", "pace:\n  speed_limit: .nan\n", 2, "pace.speed_limit", "finite"},
		{"infinite", "wrong_direction:\n  drop: .inf\n", 2, "wrong_direction.drop", "finite"},
		{"side band out of order", "side:\n  u_min: 0.9\n  u_max: 0.5\n", 2, "side.u_min", "below side.u_max"},
		{"radius min > max", "circles:\n  radius_min: 0.2\n  radius_max: 0.1\n", 2, "circles.radius_min", "below circles.radius_max"},
		{"spine band over side band", "spine:\n  u_max: 0.2\n", 2, "spine.u_max", "overlap"},
		{"start above shoulders", "start:\n  v_max: 0.9\n", 2, "start.v_max", "below shoulders.v_min"},
		{"negative circles", "circles:\n  min_count: -1\n", 2, "circles.min_count", "negative"},
		{"fractional hands", "tracking:\n  max_hands: 1.5\n", 2, "tracking.max_hands", "whole number"},
		{"hands as text", "tracking:\n  max_hands: two\n", 2, "tracking.max_hands", "whole number"},
		{"syntax", "pace:\n  speed_limit: 0.4\n bad: [\n", 2, "", "did not find"},
		{"not a mapping", "- 1\n- 2\n", 1, "", "mapping"},
		{"empty", "", 0, "", "empty"},
		{"two documents", "name: a\n---\nname: b\n", 2, "", "more than one"},
		{"section not a mapping", "pace: 3\n", 1, "pace", "cannot unmarshal"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := coach.ParseRoutine("my.yaml", []byte(c.text))
			if err == nil {
				t.Fatal("accepted")
			}
			var re *coach.RoutineError
			if !errors.As(err, &re) {
				t.Fatalf("error %T %v, want *RoutineError", err, err)
			}
			if re.File != "my.yaml" || re.Line != c.line || re.Field != c.field || !strings.Contains(re.Msg, c.msg) {
				t.Errorf("got file %q line %d field %q msg %q; want line %d field %q msg ~%q",
					re.File, re.Line, re.Field, re.Msg, c.line, c.field, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "routine my.yaml") {
				t.Errorf("message %q does not name the file first", err)
			}
		})
	}
}

// TestLoadRoutine: a partial file keeps the defaults of what it leaves out,
// takes its name from the file if it has none, and a missing file is an
// error naming it.
func TestLoadRoutine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "gentle.yaml")
	if err := os.WriteFile(p, []byte("pace:\n  speed_limit: 0.3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := coach.LoadRoutine(p)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "gentle" || r.Pace.SpeedLimit != 0.3 || r.Pace.MinAscent != 3 || r.Shoulders.VMin != 0.85 {
		t.Errorf("routine %+v", r)
	}
	_, err = coach.LoadRoutine(filepath.Join(dir, "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(p, []byte("pace:\n  speed_limit: -1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := coach.LoadRoutine(p); err == nil || !strings.Contains(err.Error(), p+":2") {
		t.Errorf("bad file: %v", err)
	}
}

// FuzzParseRoutine: no input makes the parser panic, and whatever it
// accepts is a valid routine.
func FuzzParseRoutine(f *testing.F) {
	f.Add(coach.DefaultRoutineYAML())
	f.Add([]byte("pace:\n  speed_limit: -1\n"))
	f.Add([]byte("circles: {min_count: 3, radius_min: 0.01}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("name: !!binary aGVsbG8=\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := coach.ParseRoutine("fuzz.yaml", data)
		if err != nil {
			if r != nil {
				t.Fatal("routine and error")
			}
			return
		}
		if r.Pace.SpeedLimit <= 0 || r.Circles.RadiusMin >= r.Circles.RadiusMax || r.Side.UMin >= r.Side.UMax {
			t.Fatalf("accepted an impossible routine: %+v", r)
		}
	})
}
