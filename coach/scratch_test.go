package coach_test

import (
	"fmt"
	"testing"

	"github.com/backcoach/backcoach/coach"
	"github.com/backcoach/backcoach/coach/scripttest"
)

func TestScratch(t *testing.T) {
	p := scripttest.Start(-0.45, 0.15).Hold(1.5).Circles(-0.45, 0.82, 5, 4, 0.05, 1).
		Line(-1.2, 0.92, 1.0).Line(-1.3, 0.6, 1.0).Hide(1).Jump(-0.45, 0.15).Hold(0.5).
		Circles(-0.45, 0.82, 2, 1, 0.05, 1).Line(-1.2, 0.92, 1.0).Hide(1)
	s := scripttest.Script{Hands: []*scripttest.Path{p}, Jitter: 3, Seed: 1}
	c := coach.New(nil, scripttest.Back)
	for _, f := range s.Frames() {
		u := c.Observe(f)
		if f.Index%15 == 0 && len(u.Hands) > 0 {
			h := u.Hands[0]
			fmt.Printf("%5.2f u=%.2f v=%.2f sp=%.2f %s\n", u.T, h.U, h.V, h.Speed, h.Phase)
		}
		for _, fb := range u.Feedback {
			fmt.Printf("   FB %.2f %s\n", fb.T, fb.Code)
		}
	}
	c.Finish(20)
	for _, st := range c.Strokes() {
		fmt.Printf("%+v\n", st)
	}
	fmt.Printf("%+v\n", c.Summary())
}
