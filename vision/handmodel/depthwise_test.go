package handmodel_test

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/backcoach/backcoach/vision/handmodel"
	"github.com/backcoach/backcoach/vision/handmodel/onnxedit"
	"gocv.io/x/gocv"
	"google.golang.org/protobuf/encoding/protowire"
)

// pb builds protobuf messages for the tiny test models.
type pb []byte

func (b pb) bytes(num protowire.Number, v []byte) pb {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}
func (b pb) str(num protowire.Number, s string) pb { return b.bytes(num, []byte(s)) }
func (b pb) varint(num protowire.Number, v int64) pb {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}
func (b pb) float(num protowire.Number, f float32) pb {
	b = protowire.AppendTag(b, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(f))
}

// ONNX field numbers (onnx.proto3).
func attrInt(name string, v int64) []byte {
	return pb(nil).str(1, name).varint(3, v).varint(20, 2)
}
func attrInts(name string, vs ...int64) []byte {
	b := pb(nil).str(1, name)
	for _, v := range vs {
		b = b.varint(8, v)
	}
	return b.varint(20, 7)
}
func attrFloat(name string, f float32) []byte { return pb(nil).str(1, name).float(2, f).varint(20, 1) }

func tensor(name string, vals []float32, dims ...int64) []byte {
	b := pb(nil)
	for _, d := range dims {
		b = b.varint(1, d)
	}
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return b.varint(2, 1).str(8, name).bytes(9, raw)
}

func valueInfo(name string, dims ...int64) []byte {
	shape := pb(nil)
	for _, d := range dims {
		shape = shape.bytes(1, pb(nil).varint(1, d))
	}
	tt := pb(nil).varint(1, 1).bytes(2, shape)
	return pb(nil).str(1, name).bytes(2, pb(nil).bytes(1, tt))
}

// dwCase is one depthwise convolution: channels, input size, kernel,
// stride, ONNX pads (top, left, bottom, right) and an optional ReLU6.
type dwCase struct {
	c, h, w, k, stride int
	pads               [4]int64
	relu6              bool
}

// model returns the case as an ONNX model: Conv (and Clip) with random
// weights and biases.
func (tc dwCase) model(rng *rand.Rand) []byte {
	oh := (int64(tc.h)+tc.pads[0]+tc.pads[2]-int64(tc.k))/int64(tc.stride) + 1
	ow := (int64(tc.w)+tc.pads[1]+tc.pads[3]-int64(tc.k))/int64(tc.stride) + 1
	return convModel(rng, []int64{int64(tc.c), 1, int64(tc.k), int64(tc.k)}, tc.relu6,
		[]int64{1, int64(tc.c), int64(tc.h), int64(tc.w)}, []int64{1, int64(tc.c), oh, ow},
		attrInt("group", int64(tc.c)),
		attrInts("kernel_shape", int64(tc.k), int64(tc.k)),
		attrInts("strides", int64(tc.stride), int64(tc.stride)),
		attrInts("pads", tc.pads[:]...),
		attrInts("dilations", 1, 1))
}

// convModel builds a model of one Conv (and a Clip to [0, 6] when relu6)
// with random weights of shape wdims and biases, the given attributes and
// input and output shapes.
func convModel(rng *rand.Rand, wdims []int64, relu6 bool, in, out []int64, attrs ...[]byte) []byte {
	n := int64(1)
	for _, d := range wdims {
		n *= d
	}
	wts := make([]float32, n)
	for i := range wts {
		wts[i] = float32(rng.NormFloat64())
	}
	bias := make([]float32, wdims[0])
	for i := range bias {
		bias[i] = float32(rng.NormFloat64())
	}
	conv := pb(nil).str(1, "x").str(1, "W").str(1, "B").str(2, "conv").str(3, "conv").str(4, "Conv")
	for _, a := range attrs {
		conv = conv.bytes(5, a)
	}
	name := "conv"
	g := pb(nil).bytes(1, conv)
	if relu6 {
		clip := pb(nil).str(1, "conv").str(2, "y").str(3, "clip").str(4, "Clip").
			bytes(5, attrFloat("min", 0)).bytes(5, attrFloat("max", 6))
		g = g.bytes(1, clip)
		name = "y"
	}
	g = g.str(2, "net").
		bytes(5, tensor("W", wts, wdims...)).
		bytes(5, tensor("B", bias, wdims[0])).
		bytes(11, valueInfo("x", in...)).
		bytes(12, valueInfo(name, out...))
	return pb(nil).varint(1, 6).bytes(8, pb(nil).varint(2, 10)).bytes(7, g)
}

// TestDepthwiseLayerMatchesOpenCV runs depthwise convolutions through
// OpenCV's own layer and through the faster one, on random inputs, and
// compares them: channel counts that are and are not a multiple of 8,
// narrow and wide maps, strides 1 and 2, even and uneven padding, with and
// without a fused ReLU6.
func TestDepthwiseLayerMatchesOpenCV(t *testing.T) {
	start := matCount()
	rng := rand.New(rand.NewSource(1))
	for _, tc := range []dwCase{
		{c: 8, h: 14, w: 14, k: 5, stride: 1, pads: [4]int64{2, 2, 2, 2}},
		{c: 13, h: 9, w: 11, k: 5, stride: 2, pads: [4]int64{1, 1, 2, 2}, relu6: true},
		{c: 3, h: 7, w: 7, k: 3, stride: 1, pads: [4]int64{1, 1, 1, 1}, relu6: true},
		{c: 24, h: 17, w: 12, k: 3, stride: 2, pads: [4]int64{0, 0, 1, 1}},
		{c: 16, h: 6, w: 6, k: 5, stride: 1, pads: [4]int64{0, 0, 0, 0}},
		// wide maps: one channel at a time, along the rows (output width
		// 24 and up), with even and odd left padding and strides 1 to 3
		{c: 5, h: 9, w: 40, k: 3, stride: 1, pads: [4]int64{1, 1, 1, 1}, relu6: true},
		{c: 9, h: 12, w: 37, k: 5, stride: 1, pads: [4]int64{1, 2, 3, 0}},
		{c: 4, h: 8, w: 64, k: 5, stride: 2, pads: [4]int64{1, 1, 2, 2}},
		{c: 6, h: 21, w: 70, k: 3, stride: 2, pads: [4]int64{0, 0, 1, 1}, relu6: true},
		{c: 3, h: 5, w: 50, k: 5, stride: 1, pads: [4]int64{2, 2, 2, 2}},
		{c: 5, h: 16, w: 80, k: 3, stride: 3, pads: [4]int64{1, 1, 1, 1}},
	} {
		t.Run(fmt.Sprintf("c%d_%dx%d_k%d_s%d_pad%v_relu6=%v", tc.c, tc.h, tc.w, tc.k, tc.stride, tc.pads, tc.relu6), func(t *testing.T) {
			model := tc.model(rng)
			if n, _, err := onnxedit.Rename(append([]byte(nil), model...), handmodel.DepthwiseOp, handmodel.PointwiseOp); n != 1 || err != nil {
				t.Fatalf("the edit renamed %d depthwise convolutions (%v), want 1", n, err)
			}
			compareWithOpenCV(t, model, []int{1, tc.c, tc.h, tc.w}, rng)
		})
	}
	checkMats(t, start)
}

// pwCase is one pointwise (1×1) convolution: input and output channels,
// map size and an optional ReLU6.
type pwCase struct {
	cin, cout, h, w int
	relu6           bool
}

// model returns the case as an ONNX model: Conv (and Clip) with random
// weights and biases.
func (tc pwCase) model(rng *rand.Rand) []byte {
	return convModel(rng, []int64{int64(tc.cout), int64(tc.cin), 1, 1}, tc.relu6,
		[]int64{1, int64(tc.cin), int64(tc.h), int64(tc.w)}, []int64{1, int64(tc.cout), int64(tc.h), int64(tc.w)},
		attrInts("kernel_shape", 1, 1), attrInts("strides", 1, 1), attrInts("pads", 0, 0, 0, 0))
}

// TestPointwiseLayerMatchesOpenCV is TestDepthwiseLayerMatchesOpenCV for
// the pointwise layer: maps whose pixel count is and is not a multiple of
// 8 and 24, output channels that are and are not a multiple of 4, and
// small maps (OpenCV's own convolution inside the layer).
func TestPointwiseLayerMatchesOpenCV(t *testing.T) {
	start := matCount()
	rng := rand.New(rand.NewSource(2))
	for _, tc := range []pwCase{
		{cin: 24, cout: 8, h: 56, w: 56, relu6: true},
		{cin: 16, cout: 96, h: 30, w: 30},
		{cin: 7, cout: 13, h: 29, w: 31, relu6: true},
		{cin: 40, cout: 6, h: 33, w: 25},
		{cin: 56, cout: 336, h: 14, w: 14, relu6: true},
		{cin: 96, cout: 576, h: 7, w: 7, relu6: true},
		{cin: 5, cout: 3, h: 1, w: 3},
	} {
		t.Run(fmt.Sprintf("%dto%d_%dx%d_relu6=%v", tc.cin, tc.cout, tc.h, tc.w, tc.relu6), func(t *testing.T) {
			model := tc.model(rng)
			if _, n, err := onnxedit.Rename(append([]byte(nil), model...), handmodel.DepthwiseOp, handmodel.PointwiseOp); n != 1 || err != nil {
				t.Fatalf("the edit renamed %d pointwise convolutions (%v), want 1", n, err)
			}
			compareWithOpenCV(t, model, []int{1, tc.cin, tc.h, tc.w}, rng)
		})
	}
	checkMats(t, start)
}

// denseCase is one dense convolution of an image of few channels: input
// and output channels, input size, kernel, stride, ONNX pads (top, left,
// bottom, right) and an optional ReLU6.
type denseCase struct {
	cin, cout, h, w, k, stride int
	pads                       [4]int64
	relu6                      bool
}

// model returns the case as an ONNX model: Conv (and Clip) with random
// weights and biases.
func (tc denseCase) model(rng *rand.Rand) []byte {
	oh := (int64(tc.h)+tc.pads[0]+tc.pads[2]-int64(tc.k))/int64(tc.stride) + 1
	ow := (int64(tc.w)+tc.pads[1]+tc.pads[3]-int64(tc.k))/int64(tc.stride) + 1
	return convModel(rng, []int64{int64(tc.cout), int64(tc.cin), int64(tc.k), int64(tc.k)}, tc.relu6,
		[]int64{1, int64(tc.cin), int64(tc.h), int64(tc.w)}, []int64{1, int64(tc.cout), oh, ow},
		attrInts("kernel_shape", int64(tc.k), int64(tc.k)),
		attrInts("strides", int64(tc.stride), int64(tc.stride)),
		attrInts("pads", tc.pads[:]...))
}

// TestDenseLayerMatchesOpenCV is TestDepthwiseLayerMatchesOpenCV for the
// dense layer of the models' first convolution: the landmark model's and
// the palm detector's (on smaller images), output channels that are and
// are not a multiple of 4 and 8, output widths that are and are not a
// multiple of 8 and 16, strides 1 to 3, uneven padding.
func TestDenseLayerMatchesOpenCV(t *testing.T) {
	start := matCount()
	rng := rand.New(rand.NewSource(3))
	for _, tc := range []denseCase{
		{cin: 3, cout: 24, h: 225, w: 225, k: 3, stride: 2, relu6: true},
		{cin: 3, cout: 32, h: 67, w: 67, k: 5, stride: 2},
		{cin: 3, cout: 13, h: 20, w: 37, k: 3, stride: 1, pads: [4]int64{1, 1, 1, 1}, relu6: true},
		{cin: 1, cout: 5, h: 9, w: 9, k: 5, stride: 2, pads: [4]int64{0, 2, 1, 1}},
		{cin: 4, cout: 8, h: 30, w: 50, k: 3, stride: 3, pads: [4]int64{2, 1, 0, 2}},
		{cin: 2, cout: 3, h: 4, w: 3, k: 1, stride: 1},
	} {
		t.Run(fmt.Sprintf("%dto%d_%dx%d_k%d_s%d_pad%v_relu6=%v", tc.cin, tc.cout, tc.h, tc.w, tc.k, tc.stride, tc.pads, tc.relu6), func(t *testing.T) {
			model := tc.model(rng)
			if n, err := onnxedit.RenameDense(append([]byte(nil), model...), handmodel.DenseOp); n != 1 || err != nil {
				t.Fatalf("the edit renamed %d dense convolutions (%v), want 1", n, err)
			}
			compareWithOpenCV(t, model, []int{1, tc.cin, tc.h, tc.w}, rng)
		})
	}
	checkMats(t, start)
}

// compareWithOpenCV runs model on a random input of the given shape with
// OpenCV's own layers and with the faster ones and compares the outputs.
func compareWithOpenCV(t *testing.T, model []byte, shape []int, rng *rand.Rand) {
	t.Helper()
	in := gocv.NewMatWithSizes(shape, gocv.MatTypeCV32F)
	defer in.Close()
	data, err := in.DataPtrFloat32()
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = float32(rng.NormFloat64() * 2)
	}
	var outs [2][]float32
	for k, fast := range []bool{false, true} {
		net, err := handmodel.NetFromONNX(model, fast)
		if err != nil {
			t.Fatalf("load (fast layers %v): %v", fast, err)
		}
		if fast {
			// A first input of other values: the fast layers keep
			// scratch memory from one input to the next.
			other := gocv.NewMatWithSizes(shape, gocv.MatTypeCV32F)
			if v, err := other.DataPtrFloat32(); err == nil {
				for i := range v {
					v[i] = float32(rng.NormFloat64() * 3)
				}
			}
			net.SetInput(other, "")
			first := net.Forward("")
			first.Close()
			other.Close()
		}
		net.SetInput(in, "")
		out := net.Forward("")
		v, err := out.DataPtrFloat32()
		if err != nil {
			t.Fatal(err)
		}
		outs[k] = append([]float32(nil), v...)
		out.Close()
		net.Close()
	}
	if len(outs[0]) != len(outs[1]) || len(outs[0]) == 0 {
		t.Fatalf("OpenCV gave %d values, the fast layers %d", len(outs[0]), len(outs[1]))
	}
	var maxDiff, maxAbs float64
	for i := range outs[0] {
		maxDiff = math.Max(maxDiff, math.Abs(float64(outs[0][i]-outs[1][i])))
		maxAbs = math.Max(maxAbs, math.Abs(float64(outs[0][i])))
	}
	t.Logf("%d values, largest %.2f, largest difference %.2g", len(outs[0]), maxAbs, maxDiff)
	if maxDiff > 1e-4*math.Max(1, maxAbs) {
		t.Errorf("largest difference %.3g, want float rounding only", maxDiff)
	}
}

// TestModelsMatchPlainOpenCV runs the palm detector and the landmark model
// on frames of the real clip with and without the depthwise layer: palms
// and landmarks agree to a hundredth of a pixel.
func TestModelsMatchPlainOpenCV(t *testing.T) {
	fast := mustLoad(t)
	plain, err := handmodel.LoadPlain(modelDir(t))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	// Counted from here: the models keep their input Mats until closed.
	start := matCount()
	frames := readFrames(t, filepath.Join(sharedDir, "realdata", "asl_hand.25fps.mp4"), 6)
	var palms, passes int
	var worst float64
	for i, f := range frames {
		pf, err1 := fast.DetectPalms(f)
		pp, err2 := plain.DetectPalms(f)
		if err1 != nil || err2 != nil || len(pf) != len(pp) {
			t.Fatalf("frame %d: %d palms (%v) with the layer, %d (%v) without", i, len(pf), err1, len(pp), err2)
		}
		for k := range pf {
			palms++
			worst = math.Max(worst, handmodel.Dist(pf[k].Center, pp[k].Center))
			rf, err1 := fast.Landmarks(f, pf[k].ROI())
			rp, err2 := plain.Landmarks(f, pf[k].ROI())
			if err1 != nil || err2 != nil {
				t.Fatalf("frame %d: landmarks: %v, %v", i, err1, err2)
			}
			passes++
			for j := range rf.Points {
				worst = math.Max(worst, handmodel.Dist(rf.Points[j].XY(), rp.Points[j].XY()))
			}
			if d := math.Abs(rf.Presence - rp.Presence); d > 1e-4 {
				t.Errorf("frame %d: presence %.6f with the layer, %.6f without", i, rf.Presence, rp.Presence)
			}
		}
	}
	closeAll(frames)
	t.Logf("%d palms, %d landmark passes: largest difference %.4f px", palms, passes, worst)
	if palms == 0 || worst > 0.01 {
		t.Errorf("%d palms, largest difference %.4f px; want palms and at most 0.01 px", palms, worst)
	}
	checkMats(t, start)
}
