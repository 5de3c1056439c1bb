package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/backcoach/backcoach/web"
	"github.com/rs/zerolog"
)

// TestDebugStats: GET /debug/stats answers loopback clients with the
// process figures, behind the Host and token checks; another computer is
// refused even with the token.
func TestDebugStats(t *testing.T) {
	srv, err := web.NewServer(web.Config{Listen: "0.0.0.0:0", Token: "s3cret"}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	srv.EnableDebugStats(func() int { return 7 })
	h := srv.Handler()
	do := func(remote, host, target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", target, nil)
		req.RemoteAddr, req.Host = remote, host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := do("127.0.0.1:40000", "127.0.0.1:8080", web.DebugStatsPath+"?token=s3cret")
	if rec.Code != http.StatusOK {
		t.Fatalf("loopback with token: %d %s", rec.Code, rec.Body)
	}
	var st web.DebugStats
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("not JSON: %v: %s", err, rec.Body)
	}
	if st.Goroutines <= 0 || st.Mats != 7 || st.RSSKB == 0 {
		t.Errorf("figures %+v", st)
	}
	for _, c := range []struct {
		remote, host, target string
		want                 int
	}{
		{"127.0.0.1:40000", "127.0.0.1:8080", web.DebugStatsPath, http.StatusUnauthorized},
		{"127.0.0.1:40000", "evil.example.com", web.DebugStatsPath + "?token=s3cret", http.StatusForbidden},
		{"192.168.1.20:40000", "127.0.0.1:8080", web.DebugStatsPath + "?token=s3cret", http.StatusForbidden},
		{"[::1]:40000", "[::1]:8080", web.DebugStatsPath + "?token=s3cret", http.StatusOK},
		{"127.0.0.1:40000", "127.0.0.1:8080", "/healthz?token=s3cret", http.StatusOK}, // the rest still served
	} {
		if rec := do(c.remote, c.host, c.target); rec.Code != c.want {
			t.Errorf("%s from %s (Host %s): %d, want %d", c.target, c.remote, c.host, rec.Code, c.want)
		}
	}
}
