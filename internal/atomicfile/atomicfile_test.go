package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/backcoach/backcoach/internal/atomicfile"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		perm os.FileMode
	}{
		{"public.json", 0o644},
		{"private.html", 0o600},
	}
	for _, tc := range cases {
		path := filepath.Join(dir, tc.name)
		os.WriteFile(path, []byte("old"), 0o644)
		if err := atomicfile.Write(path, []byte("new"), tc.perm); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != "new" || st.Mode().Perm() != tc.perm {
			t.Errorf("%s: %q mode %v, want %q mode %v", tc.name, got, st.Mode().Perm(), "new", tc.perm)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
	// A folder that does not exist: an error, and nothing written.
	if err := atomicfile.Write(filepath.Join(dir, "missing", "x"), []byte("x"), 0o644); err == nil {
		t.Error("no error for a missing folder")
	}
}

// TestWriteCleansStaleTemps: a temporary file left by a killed write is
// removed by the next write once it is old; a fresh one (a write under way)
// is left alone.
func TestWriteCleansStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".r.json.111.tmp")
	fresh := filepath.Join(dir, ".r.json.222.tmp")
	os.WriteFile(stale, []byte("{"), 0o644)
	os.WriteFile(fresh, []byte("{"), 0o644)
	hourAgo := time.Now().Add(-time.Hour)
	os.Chtimes(stale, hourAgo, hourAgo)
	if err := atomicfile.Write(filepath.Join(dir, "r.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temp file removed: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "r.json")); string(got) != "{}\n" {
		t.Errorf("report %q", got)
	}
}
