// Package coachtest scores what the coach said against the ground truth of
// a rendered session, for tests of the coach alone (on true palm centres)
// and of the whole pipeline (on tracked videos). It is to the coach what
// net/http/httptest is to net/http.
package coachtest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/backcoach/backcoach/models"
)

// Slack is how far outside a segment an expected code may fall (seconds).
const Slack = 1.5

// CodeScore counts one code over sessions.
type CodeScore struct {
	Expected int // segments that expect the code
	Found    int // of those, segments where it was said (±Slack)
	TP       int // times said inside a segment that expects it (±Slack)
	FP       int // times said inside a segment that forbids it
	Neutral  int // times said elsewhere
}

// Recall is Found/Expected (1 when nothing was expected).
func (s CodeScore) Recall() float64 {
	if s.Expected == 0 {
		return 1
	}
	return float64(s.Found) / float64(s.Expected)
}

// Precision is TP/(TP+FP) (1 when the code was never judged).
func (s CodeScore) Precision() float64 {
	if s.TP+s.FP == 0 {
		return 1
	}
	return float64(s.TP) / float64(s.TP+s.FP)
}

// Scores accumulates per-code figures over sessions.
type Scores struct {
	Sessions int
	Codes    map[models.Code]*CodeScore
}

func (sc *Scores) code(c models.Code) *CodeScore {
	if sc.Codes == nil {
		sc.Codes = map[models.Code]*CodeScore{}
	}
	if sc.Codes[c] == nil {
		sc.Codes[c] = &CodeScore{}
	}
	return sc.Codes[c]
}

// Add scores one session's feedback against its truth and returns the
// problems found: an expected code missing from its segment (±Slack), a
// forbidden code inside a segment, any feedback on an idle session.
func (sc *Scores) Add(tr *models.Truth, fb []models.Feedback) []string {
	sc.Sessions++
	var problems []string
	for _, seg := range tr.Segments {
		for _, code := range seg.Expect {
			sc.code(code).Expected++
			ok := false
			for _, f := range fb {
				if f.Code == code && f.T >= seg.Start-Slack && f.T <= seg.End+Slack {
					ok = true
				}
			}
			if ok {
				sc.code(code).Found++
			} else {
				problems = append(problems, fmt.Sprintf("segment %q [%.1f, %.1f]: no %s", seg.Label, seg.Start, seg.End, code))
			}
		}
		for _, code := range seg.Forbid {
			for _, f := range fb {
				if f.Code == code && f.T >= seg.Start && f.T <= seg.End {
					problems = append(problems, fmt.Sprintf("segment %q [%.1f, %.1f]: forbidden %s at %.2f", seg.Label, seg.Start, seg.End, code, f.T))
				}
			}
		}
	}
	if tr.Scenario == "idle" && len(fb) > 0 {
		problems = append(problems, fmt.Sprintf("idle session: %d feedback, want none", len(fb)))
	}
	for _, f := range fb {
		tp, fp := false, false
		for _, seg := range tr.Segments {
			for _, c := range seg.Expect {
				if c == f.Code && f.T >= seg.Start-Slack && f.T <= seg.End+Slack {
					tp = true
				}
			}
			for _, c := range seg.Forbid {
				if c == f.Code && f.T >= seg.Start && f.T <= seg.End {
					fp = true
				}
			}
		}
		switch {
		case tp:
			sc.code(f.Code).TP++
		case fp:
			sc.code(f.Code).FP++
		default:
			sc.code(f.Code).Neutral++
		}
	}
	return problems
}

// Table prints the per-code figures, one line a code.
func (sc *Scores) Table() string {
	var codes []string
	for c := range sc.Codes {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	var b strings.Builder
	fmt.Fprintf(&b, "%d sessions\n%-16s %8s %8s %8s %8s %8s %8s\n", sc.Sessions, "code", "expected", "found", "recall", "tp", "fp", "precision")
	for _, c := range codes {
		s := sc.Codes[models.Code(c)]
		fmt.Fprintf(&b, "%-16s %8d %8d %8.2f %8d %8d %8.2f   (%d outside any segment's verdict)\n",
			c, s.Expected, s.Found, s.Recall(), s.TP, s.FP, s.Precision(), s.Neutral)
	}
	return b.String()
}

// Failures lists the codes whose recall or precision is under min.
func (sc *Scores) Failures(min float64) []string {
	var out []string
	for c, s := range sc.Codes {
		if s.Recall() < min || s.Precision() < min {
			out = append(out, fmt.Sprintf("%s: recall %.2f, precision %.2f, want both >= %.2f", c, s.Recall(), s.Precision(), min))
		}
	}
	sort.Strings(out)
	return out
}

// Describe lists strokes, feedback and segments, for a failure message.
func Describe(tr *models.Truth, fb []models.Feedback, strokes []models.Stroke) string {
	var b strings.Builder
	for _, s := range strokes {
		fmt.Fprintf(&b, "    stroke hand %d %.2f-%.2f circles %d peak %.2f %v\n", s.Hand, s.Start, s.End, s.Circles, s.PeakSpeed, s.Verdicts)
	}
	for _, f := range fb {
		fmt.Fprintf(&b, "    feedback %.2f %s\n", f.T, f.Code)
	}
	for _, seg := range tr.Segments {
		fmt.Fprintf(&b, "    segment [%.1f, %.1f] %q expect %v forbid %v\n", seg.Start, seg.End, seg.Label, seg.Expect, seg.Forbid)
	}
	return b.String()
}
