package handmodel_test

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backcoach/backcoach/vision/handmodel"
)

// publishedDir is ../shared/models, which holds the published files; the
// test skips when it is absent.
func publishedDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(sharedDir, "models")
	for _, s := range handmodel.Sources {
		if _, err := os.Stat(filepath.Join(d, s.Name)); err != nil {
			t.Skipf("no published models: %v", err)
		}
	}
	return d
}

// TestInstallFrom installs from ../shared/models and checks that the Go-edited
// files load and give the same outputs as the shared edited copies.
func TestInstallFrom(t *testing.T) {
	from := publishedDir(t)
	dir := filepath.Join(t.TempDir(), "models")
	var log []string
	got, err := handmodel.Install(context.Background(), handmodel.InstallOptions{
		Dir: dir, From: from, Progress: func(s string) { log = append(log, s) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("install:\n%s", strings.Join(log, "\n"))
	if len(got) != 2 || len(handmodel.Missing(dir)) != 0 {
		t.Fatalf("installed %+v; missing %v", got, handmodel.Missing(dir))
	}
	st, err := handmodel.Status(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Present || !s.Verified {
			t.Errorf("status %+v", s)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("%d files in %s, want 2", len(entries), dir)
	}
	compareModels(t, dir, from)
}

// compareModels runs both model sets on a few frames of the real clip and
// compares their outputs within 1e-4.
func compareModels(t *testing.T, dirA, dirB string) {
	t.Helper()
	clip := filepath.Join(sharedDir, "realdata", "asl_hand.25fps.mp4")
	if _, err := os.Stat(clip); err != nil {
		t.Skipf("no real clip to compare outputs on: %v", err)
	}
	a, err := handmodel.Load(dirA)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := handmodel.Load(dirB)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := matCount()
	frames := readFrames(t, clip, 60)
	defer func() { closeAll(frames); checkMats(t, start) }()
	const tol = 1e-4
	near := func(x, y float64) bool { return math.Abs(x-y) <= tol }
	compared := 0
	for i := 0; i < len(frames); i += 20 {
		pa, err := a.DetectPalms(frames[i])
		if err != nil {
			t.Fatal(err)
		}
		pb, err := b.DetectPalms(frames[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(pa) != len(pb) || len(pa) == 0 {
			t.Fatalf("frame %d: %d and %d palms", i, len(pa), len(pb))
		}
		for k := range pa {
			x, y := pa[k], pb[k]
			ok := near(x.Score, y.Score) && near(x.Center.X, y.Center.X) && near(x.Center.Y, y.Center.Y) &&
				near(x.Width, y.Width) && near(x.Height, y.Height)
			for j := range x.Keypoints {
				ok = ok && near(x.Keypoints[j].X, y.Keypoints[j].X) && near(x.Keypoints[j].Y, y.Keypoints[j].Y)
			}
			if !ok {
				t.Errorf("frame %d palm %d: %+v vs %+v", i, k, x, y)
			}
		}
		ra, err := a.Landmarks(frames[i], pa[0].ROI())
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.Landmarks(frames[i], pa[0].ROI())
		if err != nil {
			t.Fatal(err)
		}
		ok := near(ra.Presence, rb.Presence) && near(ra.Handedness, rb.Handedness)
		for j := range ra.Points {
			ok = ok && near(ra.Points[j].X, rb.Points[j].X) && near(ra.Points[j].Y, rb.Points[j].Y) && near(ra.Points[j].Z, rb.Points[j].Z)
		}
		if !ok {
			t.Errorf("frame %d landmarks differ: %+v vs %+v", i, ra, rb)
		}
		compared++
	}
	t.Logf("outputs of %s and %s agree within %g on %d frames", dirA, dirB, tol, compared)
}

// copyPublished copies the published files into a new folder.
func copyPublished(t *testing.T, from string) string {
	t.Helper()
	d := t.TempDir()
	for _, s := range handmodel.Sources {
		b, err := os.ReadFile(filepath.Join(from, s.Name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, s.Name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestInstallRejectsCorrupt(t *testing.T) {
	from := copyPublished(t, publishedDir(t))
	// Flip one byte of the second file: the first one checks out, yet
	// nothing may be written.
	p := filepath.Join(from, handmodel.Sources[1].Name)
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 0xff
	os.WriteFile(p, b, 0o644)
	dir := filepath.Join(t.TempDir(), "models")
	_, err := handmodel.Install(context.Background(), handmodel.InstallOptions{Dir: dir, From: from})
	if err == nil {
		t.Fatal("a corrupt file was installed")
	}
	t.Log(err)
	for _, want := range []string{handmodel.Sources[1].Name, "sha256", handmodel.Sources[1].SHA256, "nothing was installed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}

	// A file that is missing is named.
	os.Remove(filepath.Join(from, handmodel.Sources[0].Name))
	_, err = handmodel.Install(context.Background(), handmodel.InstallOptions{Dir: dir, From: from})
	if err == nil || !strings.Contains(err.Error(), handmodel.Sources[0].Name) {
		t.Errorf("missing file: %v", err)
	}
}

func TestInstallReplacesAtomically(t *testing.T) {
	from := publishedDir(t)
	dir := t.TempDir()
	// A stale, wrong file is replaced, and no temporary file stays.
	os.WriteFile(filepath.Join(dir, handmodel.PalmFile), []byte("stale"), 0o644)
	st, _ := handmodel.Status(dir)
	if !st[0].Present || st[0].Verified || st[1].Present {
		t.Errorf("status before: %+v", st)
	}
	if _, err := handmodel.Install(context.Background(), handmodel.InstallOptions{Dir: dir, From: from}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	st, _ = handmodel.Status(dir)
	if !st[0].Verified || !st[1].Verified {
		t.Errorf("status after: %+v", st)
	}
}

// fileTransport serves the published files for any URL ending in their name;
// lfs makes raw.githubusercontent.com answer with a Git LFS pointer.
type fileTransport struct {
	dir  string
	lfs  bool
	urls []string
}

func (f *fileTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.urls = append(f.urls, r.URL.String())
	var body []byte
	if f.lfs && r.URL.Host == "raw.githubusercontent.com" {
		body = []byte("version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n")
	} else {
		b, err := os.ReadFile(filepath.Join(f.dir, path.Base(r.URL.Path)))
		if err != nil {
			return &http.Response{StatusCode: 404, Status: "404 Not Found", Body: io.NopCloser(bytes.NewReader(nil)), Request: r}, nil
		}
		body = b
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

func TestInstallDownload(t *testing.T) {
	from := publishedDir(t)
	for _, lfs := range []bool{false, true} {
		tr := &fileTransport{dir: from, lfs: lfs}
		dir := t.TempDir()
		_, err := handmodel.Install(context.Background(), handmodel.InstallOptions{Dir: dir, Client: &http.Client{Transport: tr}})
		if err != nil {
			t.Fatalf("lfs %v: %v", lfs, err)
		}
		if len(handmodel.Missing(dir)) != 0 {
			t.Errorf("lfs %v: missing %v", lfs, handmodel.Missing(dir))
		}
		for i, s := range handmodel.Sources {
			if tr.urls[i*(map[bool]int{false: 1, true: 2}[lfs])] != s.URL {
				t.Errorf("lfs %v: fetched %v, want %s first", lfs, tr.urls, s.URL)
			}
		}
		t.Logf("lfs %v: fetched %v", lfs, tr.urls)
	}
	// A server that answers 404 is a clear error, and nothing is written.
	dir := t.TempDir()
	_, err := handmodel.Install(context.Background(), handmodel.InstallOptions{Dir: dir,
		Client: &http.Client{Transport: &fileTransport{dir: t.TempDir()}}})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/x/data")
	if d, _ := handmodel.DefaultDir(); d != "/x/data/backcoach/models" {
		t.Errorf("with XDG_DATA_HOME: %s", d)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/u")
	if d, _ := handmodel.DefaultDir(); d != "/home/u/.local/share/backcoach/models" {
		t.Errorf("without XDG_DATA_HOME: %s", d)
	}
	t.Setenv(handmodel.EnvModels, "")
	if d := handmodel.FindDir(""); d != "" {
		t.Errorf("FindDir found %s in an empty home", d)
	}
	if d := handmodel.FindDir(t.TempDir()); d != "" {
		t.Errorf("FindDir accepted an empty folder: %s", d)
	}
}
