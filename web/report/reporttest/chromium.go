// Package reporttest opens an HTML report in headless Chromium for tests:
// it reads the counts the page shows, collects console errors and any
// request that leaves the file (the report must work with no network), and
// takes a screenshot.
package reporttest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ErrNoBrowser means no Chromium was found; tests skip on it.
var ErrNoBrowser = errors.New("no chromium browser found (install it with 'make deps-test' or set BACKCOACH_CHROMIUM)")

// Page is what the browser shows of a report.
type Page struct {
	Strokes  string // text of #count-strokes
	Good     string // text of #count-good
	Feedback string // text of #count-feedback
	Headline string
	Advice   string
	Rows     int // rows of the per-stroke table
	Bars     int // stroke bars on the timeline
	Marks    int // feedback marks on the timeline
	Paths    int // hand paths over the still
	Cells    int // heatmap cells
	Images   int // embedded images (the still)
	// ScrollWidth is the page width; wider than the viewport means a
	// horizontal scroll bar.
	ScrollWidth int
	// Errors holds console errors, uncaught exceptions and browser-log errors.
	Errors []string
	// Requests holds every URL the page asked for other than the report
	// itself and data: URLs.
	Requests []string
	// Screenshot is a PNG of the whole page.
	Screenshot []byte
}

// Browser finds the Chromium binary: $BACKCOACH_CHROMIUM, /usr/bin/chromium,
// or chromium / chromium-browser / google-chrome on the PATH.
func Browser() (string, error) {
	if p := os.Getenv("BACKCOACH_CHROMIUM"); p != "" {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// Open loads the HTML file at path in a fresh headless Chromium (its own
// profile in profileDir, no network but loopback and files) with a viewport
// width wide, and reports what it shows.
func Open(ctx context.Context, path, profileDir string, width int) (*Page, error) {
	bin, err := Browser()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open report %s: %w", path, err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: abs}).String()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(profileDir),
	)
	defer acancel()
	tctx, tcancel := chromedp.NewContext(actx)
	defer tcancel()

	var mu sync.Mutex
	pg := &Page{}
	listen := func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				pg.Errors = append(pg.Errors, "console: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			pg.Errors = append(pg.Errors, "exception: "+msg)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				pg.Errors = append(pg.Errors, fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			u := e.Request.URL
			if u != pageURL && !strings.HasPrefix(u, "data:") {
				pg.Requests = append(pg.Requests, u)
			}
		}
	}
	if err := chromedp.Listen(tctx, listen); err != nil {
		return nil, fmt.Errorf("start chromium %s: %w", bin, err)
	}
	if err := chromedp.Do(tctx,
		chromedp.EmulateViewport(int64(width), 900),
		chromedp.Navigate(pageURL),
	); err != nil {
		return nil, fmt.Errorf("load %s in chromium: %w", pageURL, err)
	}
	type counts struct {
		Strokes, Good, Feedback, Headline, Advice string
		Rows, Bars, Marks, Paths, Cells, Images   int
		ScrollWidth                               int
	}
	c, err := chromedp.Run(tctx, chromedp.Evaluate[counts](`(() => {
		const txt = s => { const e = document.querySelector(s); return e ? e.textContent.trim() : ""; };
		const n = s => document.querySelectorAll(s).length;
		return {
			Strokes: txt('#count-strokes'), Good: txt('#count-good'), Feedback: txt('#count-feedback'),
			Headline: txt('#headline'), Advice: txt('#advice'),
			Rows: n('tr.stroke-row'), Bars: n('rect.stroke-bar'), Marks: n('circle.fb-mark'),
			Paths: n('polyline.path'), Cells: n('rect.cell'), Images: n('image'),
			ScrollWidth: document.documentElement.scrollWidth,
		};
	})()`))
	if err != nil {
		return nil, fmt.Errorf("read the report page: %w", err)
	}
	shot, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		return nil, fmt.Errorf("screenshot the report page: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	pg.Strokes, pg.Good, pg.Feedback = c.Strokes, c.Good, c.Feedback
	pg.Headline, pg.Advice = c.Headline, c.Advice
	pg.Rows, pg.Bars, pg.Marks, pg.Paths, pg.Cells, pg.Images = c.Rows, c.Bars, c.Marks, c.Paths, c.Cells, c.Images
	pg.ScrollWidth = c.ScrollWidth
	pg.Screenshot = shot
	out := *pg
	out.Errors = append([]string(nil), pg.Errors...)
	out.Requests = append([]string(nil), pg.Requests...)
	return &out, nil
}
