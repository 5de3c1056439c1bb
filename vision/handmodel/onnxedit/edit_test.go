package onnxedit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

const modelsDir = "../../../../shared/models"

func readModel(t *testing.T, name string) []byte {
	t.Helper()
	if _, err := os.Stat(modelsDir); err != nil {
		t.Skipf("no hand models: %s is absent", modelsDir)
	}
	b, err := os.ReadFile(filepath.Join(modelsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// opCounts counts the graph's nodes by op type.
func opCounts(t *testing.T, model []byte) (map[string]int, int) {
	t.Helper()
	m, err := parse(model)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	inits := 0
	for _, f := range m {
		if f.num != modelGraph {
			continue
		}
		g, err := parse(f.b)
		if err != nil {
			t.Fatal(err)
		}
		for _, gf := range g {
			switch gf.num {
			case graphNode:
				n, err := parse(gf.b)
				if err != nil {
					t.Fatal(err)
				}
				ops[n.str(nodeOpType)]++
				if n.str(nodeOpType) == "Clip" && len(n.strings(nodeInput)) != 1 {
					t.Errorf("Clip with inputs %q", n.strings(nodeInput))
				}
			case graphInitializer:
				inits++
			}
		}
	}
	return ops, inits
}

func TestPalm(t *testing.T) {
	in := readModel(t, "palm_detection_barracuda.onnx")
	out, st, err := ForOpenCV46(in)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", st)
	if st.Expands != 26 || st.Clips != 0 || st.Constants != 8 || st.Opset != 11 {
		t.Errorf("stats %+v, want 26 Expands dropped, opset 11", st)
	}
	ops, inits := opCounts(t, out)
	if ops["Expand"] != 0 || ops["PRelu"] != 26 {
		t.Errorf("ops after the edit: %v", ops)
	}
	refOps, refInits := opCounts(t, readModel(t, "palm_detection_opencv46.onnx"))
	if inits != refInits || len(ops) != len(refOps) {
		t.Errorf("%d initializers and ops %v; the shared edited copy has %d and %v", inits, ops, refInits, refOps)
	}
	again, st2, err := ForOpenCV46(out)
	if err != nil || st2.Changed() || !bytes.Equal(again, out) {
		t.Errorf("second edit: %+v, %v, same bytes %v", st2, err, bytes.Equal(again, out))
	}
	logSum(t, "palm", out)
}

func TestLandmark(t *testing.T) {
	in := readModel(t, "hand_landmark.onnx")
	out, st, err := ForOpenCV46(in)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", st)
	if st.Clips != 33 || st.Expands != 0 || st.Opset != 10 || st.Constants != 2 {
		t.Errorf("stats %+v, want 33 Clips, 2 constants dropped, opset 10", st)
	}
	ops, inits := opCounts(t, out)
	refOps, refInits := opCounts(t, readModel(t, "hand_landmark_opencv46.onnx"))
	if inits != refInits || ops["Clip"] != refOps["Clip"] {
		t.Errorf("%d initializers and ops %v; the shared edited copy has %d and %v", inits, ops, refInits, refOps)
	}
	logSum(t, "landmark", out)
}

func logSum(t *testing.T, name string, b []byte) {
	s := sha256.Sum256(b)
	t.Logf("%s: %d bytes, sha256 %s", name, len(b), hex.EncodeToString(s[:]))
}

func TestConstantNode(t *testing.T) {
	// A tiny graph: Constant nodes feed Clip's min and max.
	tensor := func(v float32) []byte {
		var raw []byte
		raw = protowire.AppendFixed32(raw, mathFloat32bits(v))
		return message{
			{num: tensorDataType, typ: protowire.VarintType, v: typeFloat},
			{num: tensorRawData, typ: protowire.BytesType, b: raw},
		}.encode()
	}
	constNode := func(out string, v float32) field {
		attr := message{
			{num: attrName, typ: protowire.BytesType, b: []byte("value")},
			{num: attrTensor, typ: protowire.BytesType, b: tensor(v)},
		}
		n := message{
			{num: nodeOutput, typ: protowire.BytesType, b: []byte(out)},
			{num: nodeOpType, typ: protowire.BytesType, b: []byte("Constant")},
			{num: nodeAttribute, typ: protowire.BytesType, b: attr.encode()},
		}
		return field{num: graphNode, typ: protowire.BytesType, b: n.encode()}
	}
	clip := message{
		{num: nodeInput, typ: protowire.BytesType, b: []byte("x")},
		{num: nodeInput, typ: protowire.BytesType, b: []byte("lo")},
		{num: nodeInput, typ: protowire.BytesType, b: []byte("hi")},
		{num: nodeOutput, typ: protowire.BytesType, b: []byte("y")},
		{num: nodeOpType, typ: protowire.BytesType, b: []byte("Clip")},
	}
	g := message{constNode("lo", -1), constNode("hi", 2.5),
		{num: graphNode, typ: protowire.BytesType, b: clip.encode()}}
	opset := message{{num: opsetVersion, typ: protowire.VarintType, v: 13}}
	model := message{
		{num: 1, typ: protowire.VarintType, v: 7},
		{num: modelGraph, typ: protowire.BytesType, b: g.encode()},
		{num: modelOpset, typ: protowire.BytesType, b: opset.encode()},
	}.encode()
	out, st, err := ForOpenCV46(model)
	if err != nil {
		t.Fatal(err)
	}
	if st.Clips != 1 || st.Constants != 2 || st.Opset != 10 {
		t.Errorf("stats %+v", st)
	}
	ops, _ := opCounts(t, out)
	if ops["Constant"] != 0 || ops["Clip"] != 1 {
		t.Errorf("ops %v", ops)
	}
}

func TestNotONNX(t *testing.T) {
	for _, in := range [][]byte{[]byte("hello, world"), {0xff, 0xff, 0xff}, nil} {
		if _, _, err := ForOpenCV46(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// TestRename renames the models' depthwise and pointwise convolutions in
// place (the model keeps its length; a second edit renames nothing; an
// empty type leaves its kind alone), and turns down operator types of
// another length and bytes that are no model.
func TestRename(t *testing.T) {
	for _, tc := range []struct {
		file                 string
		dw, pw               string
		wantDepth, wantPoint int
	}{
		{"hand_landmark_opencv46.onnx", "FsDw", "FsPw", 17, 31},
		{"palm_detection_opencv46.onnx", "FsDw", "FsPw", 23, 29},
		{"hand_landmark_opencv46.onnx", "FsDw", "", 17, 0},
		{"palm_detection_opencv46.onnx", "", "FsPw", 0, 29},
	} {
		model := readModel(t, tc.file)
		size := len(model)
		before, _ := opCounts(t, model)
		nd, np, err := Rename(model, tc.dw, tc.pw)
		if err != nil || nd != tc.wantDepth || np != tc.wantPoint {
			t.Errorf("%s: renamed %d depthwise and %d pointwise convolutions (%v), want %d and %d",
				tc.file, nd, np, err, tc.wantDepth, tc.wantPoint)
			continue
		}
		after, _ := opCounts(t, model)
		if len(model) != size || after["FsDw"] != nd || after["FsPw"] != np || after["Conv"] != before["Conv"]-nd-np {
			t.Errorf("%s: %d bytes, ops before %v, after %v", tc.file, len(model), before, after)
		}
		if nd2, np2, err := Rename(model, tc.dw, tc.pw); err != nil || nd2+np2 != 0 {
			t.Errorf("%s: a second edit renamed %d and %d (%v)", tc.file, nd2, np2, err)
		}
	}
	model := readModel(t, "hand_landmark_opencv46.onnx")
	for _, op := range []string{"Fast", "FastDepthwise", "Cv"} {
		_, _, err := Rename(model, op, "")
		if (len(op) == OpLen) != (err == nil) {
			t.Errorf("operator type %q: error %v", op, err)
		}
	}
	for _, in := range [][]byte{[]byte("hello, world"), {0xff, 0xff, 0xff}, nil} {
		if _, _, err := Rename(in, "FsDw", "FsPw"); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// TestRenameDense renames the first convolution of each model (on the RGB
// image) and no other, after Rename as before it.
func TestRenameDense(t *testing.T) {
	for _, file := range []string{"hand_landmark_opencv46.onnx", "palm_detection_opencv46.onnx"} {
		for _, renamedFirst := range []bool{false, true} {
			model := readModel(t, file)
			if renamedFirst {
				if _, _, err := Rename(model, "FsDw", "FsPw"); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := opCounts(t, model)
			n, err := RenameDense(model, "FsCv")
			after, _ := opCounts(t, model)
			if err != nil || n != 1 || after["FsCv"] != 1 || after["Conv"] != before["Conv"]-1 {
				t.Errorf("%s (after Rename: %v): renamed %d (%v), ops before %v, after %v", file, renamedFirst, n, err, before, after)
			}
			if n2, err := RenameDense(model, "FsCv"); err != nil || n2 != 0 {
				t.Errorf("%s: a second edit renamed %d (%v)", file, n2, err)
			}
		}
	}
	if _, err := RenameDense(readModel(t, "hand_landmark_opencv46.onnx"), "Dense"); err == nil {
		t.Error("operator type \"Dense\": no error")
	}
	if _, err := RenameDense([]byte("hello, world"), "FsCv"); err == nil {
		t.Error("not a model: no error")
	}
}
