package synth

// Job is one video of the standard test set: its file name (without
// extension) and the `backcoach synth` flags that render it.
type Job struct {
	Name string
	Args []string
}

// StandardSet is the committed test set of testdata/: one video per scenario
// (tuning) plus held-out variants of "correct" drawn differently.
func StandardSet() []Job {
	return []Job{
		{"correct", []string{"--scenario", "correct", "--seed", "1"}},
		{"idle", []string{"--scenario", "idle", "--seed", "2"}},
		{"too_fast", []string{"--scenario", "too_fast", "--seed", "3"}},
		{"on_spine", []string{"--scenario", "on_spine", "--seed", "4"}},
		{"no_circles", []string{"--scenario", "no_circles", "--seed", "5"}},
		{"start_low", []string{"--scenario", "start_low", "--seed", "6"}},
		{"reach_shoulders", []string{"--scenario", "reach_shoulders", "--seed", "7"}},
		{"wrong_direction", []string{"--scenario", "wrong_direction", "--seed", "8"}},
		{"avoid_zone", []string{"--scenario", "avoid_zone", "--seed", "9"}},
		{"hands_lost", []string{"--scenario", "hands_lost", "--seed", "10"}},
		{"correct_heldout_bottom", []string{"--scenario", "correct", "--seed", "101", "--head", "bottom", "--skin", "match", "--sleeves", "long", "--held-out"}},
		{"correct_heldout_left", []string{"--scenario", "correct", "--seed", "202", "--head", "left", "--skin", "contrast", "--sleeves", "short", "--start-on-back", "--held-out"}},
	}
}
