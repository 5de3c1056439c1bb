package handmodel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/backcoach/backcoach/internal/atomicfile"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/backcoach/backcoach/vision/handmodel/onnxedit"
)

// Source is one published model file and what installing it produces.
type Source struct {
	// Name is the published file name (what --from looks for).
	Name string
	// URL is the pinned address of the published file.
	URL string
	// SHA256 is the published file's checksum (hex).
	SHA256 string
	// Output is the installed file name (after the OpenCV-4.6 edit).
	Output string
	// OutputSHA256 is the checksum of the edited file (the edit is
	// deterministic, so it is known in advance).
	OutputSHA256 string
	// Expands and Clips are how many nodes the edit must change.
	Expands, Clips int
}

// Sources are the two models, pinned to the commits they were published at
// (Apache-2.0, keijiro/BlazePalmBarracuda and keijiro/HandLandmarkBarracuda).
var Sources = []Source{
	{
		Name:         "palm_detection_barracuda.onnx",
		URL:          "https://raw.githubusercontent.com/keijiro/BlazePalmBarracuda/3499363a87deea6c468ae700f4fb72a2d427cdd6/Packages/jp.keijiro.mediapipe.blazepalm/ONNX/palm_detection_barracuda.onnx",
		SHA256:       "6fa415badf79694c96441b54c911ddb1b693204923a8dcd67af62e14f23730b4",
		Output:       PalmFile,
		OutputSHA256: "6eb0ea3cc7ab613e7a9b0fc29f8c0ac79db91af35b0e8ec504c3d7f9b7358127",
		Expands:      26,
	},
	{
		Name:         "hand_landmark.onnx",
		URL:          "https://raw.githubusercontent.com/keijiro/HandLandmarkBarracuda/36308f8b8b0ac4116e9de2b6114bd37d0dd5756e/Packages/jp.keijiro.mediapipe.handlandmark/ONNX/hand_landmark.onnx",
		SHA256:       "caeea4465a5b7bf68081d9ba6ce195dcb6dcbaadbe83c339a4f2860e9db7eec2",
		Output:       LandmarkFile,
		OutputSHA256: "ca1c59f4b3cf155da9857624ed2c7fc190cdfffea5e5af0c133a5bfed82312a1",
		Clips:        33,
	},
}

// ErrChecksum marks a published file whose sha256 is not the pinned one.
var ErrChecksum = errors.New("checksum mismatch")

// maxModelBytes bounds what a download or a --from file may weigh.
const maxModelBytes = 64 << 20

// EnvModels is the environment variable that points at a model folder.
const EnvModels = "BACKCOACH_MODELS"

// DefaultDir is where installed models live: $XDG_DATA_HOME/backcoach/models,
// else ~/.local/share/backcoach/models.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "backcoach", "models"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("model folder: %w", err)
	}
	return filepath.Join(home, ".local", "share", "backcoach", "models"), nil
}

// FindDir returns the first folder that holds both models: dir when given,
// else $BACKCOACH_MODELS, else DefaultDir(). It returns "" when none does.
func FindDir(dir string) string {
	cands := []string{dir}
	if dir == "" {
		cands = []string{os.Getenv(EnvModels)}
		if d, err := DefaultDir(); err == nil {
			cands = append(cands, d)
		}
	}
	for _, d := range cands {
		if d != "" && len(Missing(d)) == 0 {
			return d
		}
	}
	return ""
}

// InstallOptions configure Install.
type InstallOptions struct {
	// Dir is where the models go ("" for DefaultDir()).
	Dir string
	// From is a local folder holding the published files; "" downloads
	// them from their pinned addresses.
	From string
	// Client downloads (nil for a client with a 2-minute timeout).
	Client *http.Client
	// Progress, when set, receives one line per step.
	Progress func(msg string)
}

// Installed describes one installed file.
type Installed struct {
	Path   string
	SHA256 string
	Bytes  int
	Stats  onnxedit.Stats
}

// Install fetches the published models (or reads them from opts.From),
// checks their sha256, makes the OpenCV-4.6 edit and writes the results into
// opts.Dir. Both files are fetched, checked and edited before either is
// written, and each is written to a temporary file renamed into place, so a
// failure leaves no partial file behind.
func Install(ctx context.Context, opts InstallOptions) ([]Installed, error) {
	dir := opts.Dir
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, fmt.Errorf("install models: %w", err)
		}
		dir = d
	}
	say := func(format string, a ...any) {
		if opts.Progress != nil {
			opts.Progress(fmt.Sprintf(format, a...))
		}
	}
	edited := make([][]byte, len(Sources))
	out := make([]Installed, len(Sources))
	for i, src := range Sources {
		var raw []byte
		var err error
		if opts.From != "" {
			raw, err = readLocal(filepath.Join(opts.From, src.Name))
		} else {
			say("downloading %s", src.URL)
			raw, err = download(ctx, opts.Client, src.URL)
		}
		if err != nil {
			return nil, fmt.Errorf("install %s: %w", src.Name, err)
		}
		if got := sum(raw); got != src.SHA256 {
			hint := "a corrupt or different file"
			if isLFSPointer(raw) {
				hint = "a Git LFS pointer, not the model"
			}
			return nil, fmt.Errorf("install %s: %w: sha256 %s, want %s (%s); nothing was installed",
				src.Name, ErrChecksum, got, src.SHA256, hint)
		}
		say("%s: sha256 verified", src.Name)
		res, st, err := onnxedit.ForOpenCV46(raw)
		if err != nil {
			return nil, fmt.Errorf("install %s: edit for OpenCV 4.6: %w", src.Name, err)
		}
		if st.Expands != src.Expands || st.Clips != src.Clips {
			return nil, fmt.Errorf("install %s: the edit changed %d Expand and %d Clip nodes, want %d and %d",
				src.Name, st.Expands, st.Clips, src.Expands, src.Clips)
		}
		if got := sum(res); got != src.OutputSHA256 {
			return nil, fmt.Errorf("install %s: edited file has sha256 %s, want %s", src.Name, got, src.OutputSHA256)
		}
		say("%s: edited for OpenCV 4.6 (%d Expand nodes dropped, %d Clip nodes rewritten, opset %d)",
			src.Name, st.Expands, st.Clips, st.Opset)
		edited[i] = res
		out[i] = Installed{Path: filepath.Join(dir, src.Output), SHA256: src.OutputSHA256, Bytes: len(res), Stats: st}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("install models: %w", err)
	}
	for i := range Sources {
		if err := writeAtomic(out[i].Path, edited[i]); err != nil {
			return nil, fmt.Errorf("install models: %w", err)
		}
		say("wrote %s", out[i].Path)
	}
	return out, nil
}

// FileStatus is the state of one installed model file.
type FileStatus struct {
	Path string
	// Present says the file exists.
	Present bool
	// Verified says its sha256 is the one Install produces.
	Verified bool
	SHA256   string
	Bytes    int64
}

// Status reports on the model files in dir ("" for DefaultDir()).
func Status(dir string) ([]FileStatus, error) {
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	var out []FileStatus
	for _, src := range Sources {
		fst := FileStatus{Path: filepath.Join(dir, src.Output)}
		b, err := os.ReadFile(fst.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("model status: %w", err)
		default:
			fst.Present = true
			fst.Bytes = int64(len(b))
			fst.SHA256 = sum(b)
			fst.Verified = fst.SHA256 == src.OutputSHA256
		}
		out = append(out, fst)
	}
	return out, nil
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func isLFSPointer(b []byte) bool {
	return bytes.HasPrefix(b, []byte("version https://git-lfs.github.com/spec/"))
}

func readLocal(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One buffer of the file's size: fresh memory costs a page fault per
	// page touched, and a buffer grown as it fills touches several times a
	// model's size.
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st.Size() > maxModelBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB, not a hand model", path, maxModelBytes>>20)
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

func download(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	if c == nil {
		c = &http.Client{Timeout: 2 * time.Minute}
	}
	b, err := get(ctx, c, url)
	if err != nil {
		return nil, err
	}
	// A file kept in Git LFS comes from raw.githubusercontent.com as a
	// pointer; GitHub serves the content under media.githubusercontent.com.
	const raw, media = "https://raw.githubusercontent.com/", "https://media.githubusercontent.com/media/"
	if isLFSPointer(b) && strings.HasPrefix(url, raw) {
		return get(ctx, c, media+strings.TrimPrefix(url, raw))
	}
	return b, nil
}

func get(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download: %w (no network? install from a folder with --from DIR)", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", url, err)
	}
	if len(b) > maxModelBytes {
		return nil, fmt.Errorf("download %s: larger than %d MiB, not a hand model", url, maxModelBytes>>20)
	}
	return b, nil
}

// writeAtomic writes b to path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	return atomicfile.Write(path, b, 0o644)
}
