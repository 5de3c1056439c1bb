package handmodel

import (
	"fmt"
	"path/filepath"

	"gocv.io/x/gocv"
)

// LoadPlain loads the models from dir as OpenCV reads them, without the
// depthwise and pointwise layers: the reference they are checked against.
func LoadPlain(dir string) (*Models, error) {
	var nets [2]gocv.Net
	for i, name := range []string{PalmFile, LandmarkFile} {
		raw, err := readLocal(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if nets[i], err = netFromONNX(raw, false); err != nil {
			nets[0].Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return newModels(dir, nets[0], nets[1]), nil
}

// NetFromONNX loads an ONNX model from memory, with or without the
// depthwise and pointwise layers.
func NetFromONNX(model []byte, fast bool) (gocv.Net, error) {
	return netFromONNX(append([]byte(nil), model...), fast)
}

// ToBlob is toBlob for the tests.
var ToBlob = toBlob
