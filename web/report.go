package web

import (
	"net/http"
	"os"
	"path/filepath"
)

// This file serves the report page of a finished session (issue 6: "the
// live page links to it when a session ends"). Only files named
// session-ID.html directly in the data folder are served, through the same
// Host and token checks as every other page.

// maxSessionID bounds a session id in a report address.
const maxSessionID = 64

// ReportPath is the address of a session's report page on this server,
// without the access code (the page adds its own).
func ReportPath(session string) string { return "/report/" + session }

// validSessionID reports whether id can name a session: letters, digits and
// '-' only (newSessionID makes 20060102T150405Z-abcdef), so no path
// separator, dot or escape can reach the file system.
func validSessionID(id string) bool {
	if id == "" || len(id) > maxSessionID {
		return false
	}
	for _, r := range id {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-':
		default:
			return false
		}
	}
	return true
}

// reportCSP lets the self-contained report page use its inline styles and
// its data: still, and nothing else (it has no scripts).
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// report serves GET /report/{id}: DATA/session-ID.html, a regular file (not
// a link). Anything else is 404.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	notFound := func(why string) {
		shown := id
		if len(shown) > 80 {
			shown = shown[:80] + "…"
		}
		s.log.Warn().Str("id", shown).Str("why", why).Msg("refused a report request")
		refuse(w, http.StatusNotFound, "There is no such report.",
			"Reports are written when a session is finished. <code>backcoach sessions</code> lists the ones on this computer.")
	}
	if s.cfg.DataDir == "" {
		notFound("no data folder")
		return
	}
	if !validSessionID(id) {
		notFound("not a session id")
		return
	}
	path := filepath.Join(s.cfg.DataDir, "session-"+id+".html")
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() {
		notFound("no such file")
		return
	}
	f, err := os.Open(path)
	if err != nil {
		s.log.Error().Err(err).Str("path", path).Msg("open a report page")
		notFound("cannot open")
		return
	}
	defer f.Close()
	if fst, err := f.Stat(); err != nil || !os.SameFile(st, fst) {
		notFound("the file changed") // swapped for a link between the checks
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", reportCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "", st.ModTime(), f)
}
