package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// progressBar draws a one-line progress bar on a terminal; on anything else
// it draws nothing. A nil *progressBar is valid and does nothing.
type progressBar struct {
	w     io.Writer
	start time.Time
	last  time.Time
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return nil
	}
	return &progressBar{w: w, start: time.Now()}
}

// Update shows done of total frames (total 0 when unknown).
func (p *progressBar) Update(done, total int) {
	if p == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(done) / now.Sub(p.start).Seconds()
	if total <= 0 {
		fmt.Fprintf(p.w, "\r%d frames  %.0f fps ", done, rate)
		return
	}
	frac := float64(done) / float64(total)
	if frac > 1 {
		frac = 1
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %3.0f%%  %d/%d frames  %.0f fps ", strings.Repeat("#", n), strings.Repeat(".", width-n), frac*100, done, total, rate)
}

// Done ends the bar's line.
func (p *progressBar) Done() {
	if p == nil {
		return
	}
	fmt.Fprint(p.w, "\r"+strings.Repeat(" ", 70)+"\r")
}
