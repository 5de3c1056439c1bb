package coach_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/coach/scripttest"
	"github.com/backcoach/backcoach/models"
)

// FuzzCoach feeds the coach arbitrary frames (times, hand counts, positions,
// ids, receiver presses): it must never panic nor report more hands than the
// routine follows.
func FuzzCoach(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	seed := make([]byte, 0, 4000)
	for _, fr := range one(path(1, good(-0.45))).Frames() {
		for _, h := range fr.Hands {
			seed = append(seed, 1, byte(h.ID), byte(int(h.X)/3), byte(int(h.Y)/2))
		}
		seed = append(seed, 0)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := coach.New(nil, scripttest.Back)
		c.SetZones([]models.Zone{{Points: [][2]float64{{-0.5, 0.3}, {0.5, 0.3}, {0, 0.8}}}})
		tm := 0.0
		obs := models.FrameObs{}
		for i := 0; i+1 < len(data); {
			switch op := data[i]; {
			case op == 0: // end of frame
				up := c.Observe(obs)
				if len(up.Hands) > 2 {
					t.Fatalf("%d hands", len(up.Hands))
				}
				tm += 1.0 / 30
				obs = models.FrameObs{Index: obs.Index + 1, T: tm}
				i++
			case op < 200 && i+4 <= len(data): // a hand
				obs.Hands = append(obs.Hands, models.Hand{ID: int(data[i+1]), X: float64(data[i+2]) * 3, Y: float64(data[i+3]) * 2})
				i += 4
			case op < 220 && i+9 <= len(data): // a raw time
				tm = math.Float64frombits(binary.LittleEndian.Uint64(data[i+1 : i+9]))
				obs.T = tm
				i += 9
			default: // a receiver button
				_, _ = c.Receiver(tm, []string{"lighter", "firmer", "stop", "resume", "x"}[int(op)%5])
				i++
			}
		}
		c.Finish(tm)
		_ = c.Summary()
	})
}
