package web_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/web"
)

// fetch GETs url (following redirects, as a browser would) and returns the
// status and body.
func fetch(t *testing.T, url string, mod func(*http.Request)) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// reportDirs makes OUT/data with one report page, plus pages and files
// around it that must never be served.
func reportDirs(t *testing.T) (data, id, page string) {
	t.Helper()
	out := t.TempDir()
	data = filepath.Join(out, "data")
	if err := os.MkdirAll(filepath.Join(data, "session-adir.html"), 0o700); err != nil {
		t.Fatal(err)
	}
	id = "20261125T030000Z-a1b2c3"
	page = "<!doctype html><title>Back massage report</title><p id=count-strokes>4</p>"
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(data, "session-"+id+".html"), page)
	write(filepath.Join(data, "session-"+id+".jsonl"), `{"event":"start"}`+"\n")
	write(filepath.Join(out, "session-outside.html"), "SECRET outside the data folder")
	write(filepath.Join(out, "secret.txt"), "SECRET")
	if err := os.Symlink(filepath.Join(out, "session-outside.html"), filepath.Join(data, "session-link.html")); err != nil {
		t.Fatal(err)
	}
	return data, id, page
}

func TestReportPage(t *testing.T) {
	data, id, page := reportDirs(t)
	ts := mustStart(t, web.Config{DataDir: data})
	code, body, h := fetch(t, ts.URL+web.ReportPath(id), nil)
	if code != http.StatusOK || body != page {
		t.Fatalf("report %s: %d %q", id, code, body)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("the report page needs a no-script CSP, got %q", csp)
	}
	for _, p := range []string{
		"/report/unknown", "/report/20261125T030000Z-ffffff", "/report/" + id + ".html", "/report/" + id + ".jsonl",
		"/report/session-" + id, "/report/..%2Fsession-outside", "/report/..%2F..%2Fsecret.txt", "/report/%2e%2e",
		"/report/../secret.txt", "/report/..%5csecret", "/report/" + id + "%00", "/report/" + id + "%2F", "/report/",
		"/report/adir", "/report/link", "/report/outside", "/report/" + strings.Repeat("a", 65),
		"/report//etc/passwd", "/report/%2Fetc%2Fpasswd",
	} {
		code, body, _ := fetch(t, ts.URL+p, nil)
		if code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
		if strings.Contains(body, "SECRET") || strings.Contains(body, "count-strokes") {
			t.Errorf("GET %s served a file: %q", p, body)
		}
	}
	// The address is checked before anything else.
	if code, _, _ := fetch(t, ts.URL+web.ReportPath(id), func(r *http.Request) { r.Host = "evil.example:80" }); code != http.StatusForbidden {
		t.Errorf("a foreign Host: %d, want 403", code)
	}
	// No data folder: no reports.
	bare := mustStart(t, web.Config{})
	if code, _, _ := fetch(t, bare.URL+web.ReportPath(id), nil); code != http.StatusNotFound {
		t.Errorf("no data folder: %d, want 404", code)
	}
}

func TestReportPageNeedsToken(t *testing.T) {
	data, id, page := reportDirs(t)
	ts := mustStart(t, web.Config{Listen: "0.0.0.0:0", Token: "s3cret", DataDir: data})
	for _, q := range []string{"", "?token=wrong"} {
		code, body, _ := fetch(t, ts.URL+web.ReportPath(id)+q, nil)
		if code != http.StatusUnauthorized || strings.Contains(body, "count-strokes") {
			t.Errorf("report%s: %d, want 401", q, code)
		}
	}
	// An unknown report is 401 too without the code: nothing is told.
	if code, _, _ := fetch(t, ts.URL+"/report/unknown", nil); code != http.StatusUnauthorized {
		t.Errorf("unknown report without the code: %d, want 401", code)
	}
	if code, body, _ := fetch(t, ts.URL+web.ReportPath(id)+"?token=s3cret", nil); code != http.StatusOK || body != page {
		t.Errorf("report with the code: %d %q", code, body)
	}
	if code, _, _ := fetch(t, ts.URL+"/report/..%2Fsession-outside?token=s3cret", nil); code != http.StatusNotFound {
		t.Errorf("traversal with the code: %d, want 404", code)
	}
}
