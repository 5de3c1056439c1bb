package handmodel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/backcoach/backcoach/vision/handmodel/onnxedit"
	"gocv.io/x/gocv"
)

// File names of the models as Load expects them in a model folder: the
// published files after the OpenCV-4.6 edits.
const (
	PalmFile     = "palm_detection_opencv46.onnx"
	LandmarkFile = "hand_landmark_opencv46.onnx"
)

// Models holds the palm detector and the landmark model, loaded in OpenCV's
// DNN module. It is not safe for concurrent use.
type Models struct {
	palm     gocv.Net
	landmark gocv.Net
	anchors  []anchor
	dir      string
	closed   bool
	minScore float64 // palm score threshold (0: MinPalmScore)
	// The models' inputs, kept from pass to pass: the landmark crop and
	// its blob, the palm detector's letterboxed image and its blob.
	crop, cropBlob, small, boxed, boxedBlob gocv.Mat
}

// newModels wraps the two networks loaded from dir.
func newModels(dir string, palm, landmark gocv.Net) *Models {
	return &Models{dir: dir, anchors: palmAnchors(), palm: palm, landmark: landmark,
		crop: gocv.NewMat(), cropBlob: gocv.NewMat(), small: gocv.NewMat(), boxed: gocv.NewMat(), boxedBlob: gocv.NewMat()}
}

// Missing lists the model files that dir lacks (empty when both are there).
func Missing(dir string) []string {
	var miss []string
	for _, name := range []string{PalmFile, LandmarkFile} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
			miss = append(miss, name)
		}
	}
	return miss
}

// Load reads the two models from dir. The error names the files that are
// missing or that OpenCV cannot load.
func Load(dir string) (*Models, error) {
	if dir == "" {
		return nil, errors.New("load hand models: no model folder given")
	}
	if miss := Missing(dir); len(miss) > 0 {
		return nil, fmt.Errorf("load hand models from %s: missing %s (install them with 'backcoach models install')",
			dir, strings.Join(miss, " and "))
	}
	palm, err := readNet(filepath.Join(dir, PalmFile))
	if err != nil {
		return nil, err
	}
	landmark, err := readNet(filepath.Join(dir, LandmarkFile))
	if err != nil {
		palm.Close()
		return nil, err
	}
	return newModels(dir, palm, landmark), nil
}

// readNet reads one model file, hands its depthwise, pointwise and first
// convolutions to the faster layers and loads it in OpenCV.
func readNet(path string) (gocv.Net, error) {
	raw, err := readLocal(path)
	if err != nil {
		return gocv.Net{}, fmt.Errorf("load hand model: %w", err)
	}
	net, err := netFromONNX(raw, true)
	if err != nil {
		return gocv.Net{}, fmt.Errorf("load hand model %s: %w", path, err)
	}
	return net, nil
}

// netFromONNX loads an ONNX model from memory, its depthwise, pointwise
// and first (dense) convolutions run by the layers of depthwise.cpp,
// pointwise.cpp and dense.cpp when fast is set: then model itself is
// edited (see onnxedit.Rename and RenameDense).
func netFromONNX(model []byte, fast bool) (gocv.Net, error) {
	if fast {
		if _, _, err := onnxedit.Rename(model, DepthwiseOp, PointwiseOp); err != nil {
			return gocv.Net{}, err
		}
		if _, err := onnxedit.RenameDense(model, DenseOp); err != nil {
			return gocv.Net{}, err
		}
		registerDepthwise()
		registerPointwise()
		registerDense()
	}
	// gocv's reader aborts the process on a model OpenCV rejects: this
	// one catches the C++ exception.
	net, err := readNetBytes(model)
	if err != nil {
		return gocv.Net{}, err
	}
	_ = net.SetPreferableBackend(gocv.NetBackendOpenCV)
	_ = net.SetPreferableTarget(gocv.NetTargetCPU)
	return net, nil
}

// Dir is the folder the models were loaded from.
func (m *Models) Dir() string { return m.dir }

// Close releases both networks. Closing twice is harmless.
func (m *Models) Close() error {
	if m == nil || m.closed {
		return nil
	}
	m.closed = true
	for _, mat := range []*gocv.Mat{&m.crop, &m.cropBlob, &m.small, &m.boxed, &m.boxedBlob} {
		mat.Close()
	}
	err1 := m.palm.Close()
	err2 := m.landmark.Close()
	return errors.Join(err1, err2)
}

// bgr returns frame as a 3-channel BGR Mat and whether the caller must close
// it (false when frame already is one).
func bgr(frame gocv.Mat) (gocv.Mat, bool, error) {
	if frame.Empty() {
		return gocv.Mat{}, false, errors.New("empty frame")
	}
	if frame.Type() != gocv.MatTypeCV8UC3 && frame.Type() != gocv.MatTypeCV8UC1 && frame.Type() != gocv.MatTypeCV8UC4 {
		return gocv.Mat{}, false, fmt.Errorf("frame type %v: want 8-bit BGR, BGRA or grey", frame.Type())
	}
	switch frame.Channels() {
	case 3:
		return frame, false, nil
	case 1:
		out := gocv.NewMat()
		gocv.CvtColor(frame, &out, gocv.ColorGrayToBGR)
		return out, true, nil
	default:
		out := gocv.NewMat()
		gocv.CvtColor(frame, &out, gocv.ColorBGRAToBGR)
		return out, true, nil
	}
}
