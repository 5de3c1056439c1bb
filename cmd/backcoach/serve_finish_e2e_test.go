package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// This file holds the end of TestServeEndToEnd (issue 6): the page's
// "Finish session" button (with its confirm step), the summary with the
// link to the session's report page, the report itself, the report address's
// refusals, and "Start a new session".

// pollPage evaluates expr on the page until it is true or the time is up
// (the machine may be slow: no timing is asserted).
func pollPage(t *testing.T, ctx context.Context, what, expr string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within %v (last error %v)", what, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shown is a page expression: the element with this id is displayed.
func shown(id string) string {
	return `(() => { const e = document.getElementById('` + id + `'); return !!e && getComputedStyle(e).display !== 'none'; })()`
}

// screenshotView saves what the window shows (a dialog over the page, as a
// person sees it) to artifacts/NAME at the repository root.
func screenshotView(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	dir := filepath.Join("..", "..", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	t.Logf("screenshot saved to %s", p)
}

// finishFromPage finishes the session with the page's button and checks
// the summary, the report link and the report page. It returns the
// finished session's id.
func finishFromPage(t *testing.T, rs *runningServe, overlay context.Context, listenJS func(context.Context, string)) string {
	t.Helper()
	id, err := chromedp.Run(overlay, chromedp.Evaluate[string](`window.backcoach.hello.session`))
	if err != nil || id == "" {
		t.Fatalf("session id on the page: %q %v", id, err)
	}
	// The partner said stop; the massage resumes, then the session ends.
	if err := chromedp.Do(overlay, chromedp.Click(chromedp.CSS(`#resume`))); err != nil {
		t.Fatalf("press Resume: %v", err)
	}
	pollPage(t, overlay, "STOP gone after Resume", `!`+shown("stop"), time.Minute)
	pollPage(t, overlay, "the Finish session button", shown("finishBtn"), time.Minute)

	// The confirm step: "Keep going" changes nothing.
	if err := chromedp.Do(overlay, chromedp.Click(chromedp.CSS(`#finishBtn`)), chromedp.WaitVisible(chromedp.CSS(`#finishAsk`))); err != nil {
		t.Fatalf("press Finish session: %v", err)
	}
	screenshotView(t, overlay, "session-finish-confirm.png")
	if err := chromedp.Do(overlay, chromedp.Click(chromedp.CSS(`#finishNo`)), chromedp.WaitNotVisible(chromedp.CSS(`#finishAsk`))); err != nil {
		t.Fatalf("press Keep going: %v", err)
	}
	time.Sleep(time.Second) // a finish sent by mistake would show its summary by now on most machines
	if open, err := chromedp.Run(overlay, chromedp.Evaluate[bool](shown("summary")+` || window.backcoach.finished`)); err != nil || open {
		t.Fatalf("Keep going finished the session (%v)", err)
	}

	// Finish for real.
	if err := chromedp.Do(overlay, chromedp.Click(chromedp.CSS(`#finishBtn`)), chromedp.WaitVisible(chromedp.CSS(`#finishYes`)),
		chromedp.Click(chromedp.CSS(`#finishYes`))); err != nil {
		t.Fatalf("confirm Finish session: %v", err)
	}
	pollPage(t, overlay, "the summary with the report link", shown("summary")+` && `+shown("reportBox"), 2*time.Minute)
	type summaryState struct {
		Strokes, Good       int
		PageStrokes, PageGd int
		ShownStrokes        string
		ShownGood           string
		Href, Report        string
		Session             string
		Headline, Privacy   string
		FinishShown         bool
	}
	sum, err := chromedp.Run(overlay, chromedp.Evaluate[summaryState](`(() => { const s = window.backcoach.summary;
		return {Strokes: s.strokes, Good: s.good_strokes, PageStrokes: window.backcoach.strokes, PageGd: window.backcoach.good,
		ShownStrokes: document.getElementById('sumStrokes').textContent, ShownGood: document.getElementById('sumGood').textContent,
		Href: document.getElementById('reportLink').href, Report: s.report, Session: s.session,
		Headline: document.getElementById('sumHeadline').textContent, Privacy: document.getElementById('reportBox').textContent,
		FinishShown: getComputedStyle(document.getElementById('finishBtn')).display !== 'none'}; })()`))
	if err != nil {
		t.Fatalf("read the summary: %v", err)
	}
	t.Logf("summary on the page: %d strokes, %d good; %q; report %s", sum.Strokes, sum.Good, sum.Headline, sum.Href)
	screenshotView(t, overlay, "session-end.png")
	if sum.Session != id || sum.Report != "/report/"+id {
		t.Errorf("summary for session %q with report %q, want %q and /report/%s", sum.Session, sum.Report, id, id)
	}
	if sum.ShownStrokes != strconv.Itoa(sum.Strokes) || sum.ShownGood != strconv.Itoa(sum.Good) {
		t.Errorf("the summary shows %s strokes, %s good; the message says %d, %d", sum.ShownStrokes, sum.ShownGood, sum.Strokes, sum.Good)
	}
	if sum.PageStrokes != sum.Strokes || sum.PageGd != sum.Good {
		t.Errorf("the page counted %d strokes (%d good) live; the summary says %d (%d)", sum.PageStrokes, sum.PageGd, sum.Strokes, sum.Good)
	}
	if sum.Strokes == 0 {
		t.Error("the summary has no strokes: the video has some")
	}
	if strings.TrimSpace(sum.Headline) == "" {
		t.Error("the summary has no words")
	}
	if !strings.Contains(sum.Privacy, "The report includes one picture of the back and stays on this computer") {
		t.Errorf("the link does not say what the report holds: %q", sum.Privacy)
	}
	if sum.FinishShown {
		t.Error("Finish session is still offered after the session finished")
	}
	if _, err := os.Stat(filepath.Join(rs.data, "session-"+id+".html")); err != nil {
		t.Errorf("the report page is not in the data folder: %v", err)
	}

	// Following the link loads the report, with the summary's counts.
	report, cancel := chromedp.NewContext(overlay) // a new tab of the same browser
	defer cancel()
	listenJS(report, "report")
	resp, err := chromedp.Run(report, chromedp.NavigateResponse(sum.Href))
	if err != nil {
		t.Fatalf("open the report link %s: %v", sum.Href, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("report link %s: HTTP %d", sum.Href, resp.Status)
	}
	type counts struct{ Strokes, Good, Title string }
	c, err := chromedp.Run(report, chromedp.Evaluate[counts](`({Strokes: document.getElementById('count-strokes').textContent.trim(),
		Good: document.getElementById('count-good').textContent.trim(), Title: document.title})`))
	if err != nil {
		t.Fatalf("read the report: %v", err)
	}
	if c.Strokes != strconv.Itoa(sum.Strokes) || c.Good != strconv.Itoa(sum.Good) {
		t.Errorf("the report shows %s strokes, %s good; the summary says %d, %d", c.Strokes, c.Good, sum.Strokes, sum.Good)
	}
	t.Logf("report page %q: %s strokes, %s good", c.Title, c.Strokes, c.Good)
	screenshot(t, report, "session-report.png")

	// The report address serves nothing else.
	base, err := url.Parse(sum.Href)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/report/..%2F..%2Fetc%2Fpasswd", "/report/" + id + ".jsonl", "/report/20200101T000000Z-000000",
		"/report/..%2Fsession-" + id, "/report/%2e%2e"} {
		u := base.Scheme + "://" + base.Host + p
		r, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
		}
	}
	return id
}

// newSessionFromPage presses "Start a new session": the checklist comes
// back with a new session, and the page's counts start from zero. It goes
// through the checklist again (so Ctrl-C has a coached session to report)
// and returns the new session's id.
func newSessionFromPage(t *testing.T, overlay context.Context, first string) string {
	t.Helper()
	if err := chromedp.Do(overlay, chromedp.Click(chromedp.CSS(`#newSession`))); err != nil {
		t.Fatalf("press Start a new session: %v", err)
	}
	pollPage(t, overlay, "the checklist of a new session", shown("check")+` && !`+shown("summary")+
		` && window.backcoach.hello.session !== '`+first+`'`, 2*time.Minute)
	type fresh struct {
		Session, Strokes string
		Ticked           int
		Start            bool
	}
	f, err := chromedp.Run(overlay, chromedp.Evaluate[fresh](`({Session: window.backcoach.hello.session,
		Strokes: document.getElementById('nStrokes').textContent, Ticked: document.querySelectorAll('[data-c]:checked').length,
		Start: document.getElementById('startBtn').disabled})`))
	if err != nil {
		t.Fatalf("read the new session: %v", err)
	}
	if f.Strokes != "0" || f.Ticked != 0 || !f.Start {
		t.Errorf("a new session starts afresh: strokes %s, ticked %d, start disabled %v", f.Strokes, f.Ticked, f.Start)
	}
	screenshotView(t, overlay, "session-new.png")
	if err := chromedp.Do(overlay,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-c]').forEach(b => b.click())`),
		chromedp.Click(chromedp.CSS(`#startBtn`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#check`)),
	); err != nil {
		t.Fatalf("checklist of the new session: %v", err)
	}
	pollPage(t, overlay, "coaching in the new session", `window.backcoach.hello.coaching === true`, 2*time.Minute)
	return f.Session
}
