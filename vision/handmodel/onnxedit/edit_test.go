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

// TestRenameConvs renames the models' depthwise and pointwise
// convolutions (each edit once: a second one renames nothing) and turns
// down bytes that are no model.
func TestRenameConvs(t *testing.T) {
	edits := map[string]func([]byte, string) ([]byte, int, error){"depthwise": Depthwise, "pointwise": Pointwise}
	for _, tc := range []struct {
		file, edit string
		want       int
	}{
		{"hand_landmark_opencv46.onnx", "depthwise", 17},
		{"palm_detection_opencv46.onnx", "depthwise", 23},
		{"hand_landmark_opencv46.onnx", "pointwise", 31},
		{"palm_detection_opencv46.onnx", "pointwise", 29},
	} {
		edit := edits[tc.edit]
		in := readModel(t, tc.file)
		before, _ := opCounts(t, in)
		out, n, err := edit(in, "Fast")
		if err != nil || n != tc.want {
			t.Errorf("%s: %d %s convolutions renamed (%v), want %d", tc.file, n, tc.edit, err, tc.want)
			continue
		}
		after, _ := opCounts(t, out)
		if after["Fast"] != n || after["Conv"] != before["Conv"]-n {
			t.Errorf("%s %s: ops before %v, after %v", tc.file, tc.edit, before, after)
		}
		again, n2, err := edit(out, "Fast")
		if err != nil || n2 != 0 || !bytes.Equal(again, out) {
			t.Errorf("%s: a second %s edit renamed %d (%v)", tc.file, tc.edit, n2, err)
		}
	}
	for _, edit := range edits {
		for _, in := range [][]byte{[]byte("hello, world"), {0xff, 0xff, 0xff}, nil} {
			if _, _, err := edit(in, "Fast"); err == nil {
				t.Errorf("%q: no error", in)
			}
		}
	}
}
