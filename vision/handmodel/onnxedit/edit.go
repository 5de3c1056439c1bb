package onnxedit

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Stats says what ForOpenCV46 changed.
type Stats struct {
	// Expands is how many Expand nodes in front of a PRelu slope were dropped.
	Expands int
	// Clips is how many Clip nodes were turned into the opset-10 form.
	Clips int
	// Constants is how many initializers or Constant nodes went because only
	// the edited nodes used them, or nothing did.
	Constants int
	// Opset is the default-domain opset of the result (0 when not declared).
	Opset int64
}

// Changed reports whether the edit changed anything.
func (s Stats) Changed() bool { return s.Expands+s.Clips+s.Constants > 0 }

// node is one NodeProto with where it sits in the graph message.
type node struct {
	at      int // index of the field in the graph message
	m       message
	op      string
	in, out []string
	changed bool
	removed bool
}

// ForOpenCV46 returns model rewritten for OpenCV 4.6 (see the package doc)
// and what it changed. A model that needs no edit comes back unchanged.
func ForOpenCV46(model []byte) ([]byte, Stats, error) {
	var st Stats
	mm, gi, g, err := graphOf(model)
	if err != nil {
		return nil, st, err
	}

	var nodes []*node
	producer := map[string]*node{}
	inits := map[string]int{} // initializer name → field index in g
	uses := map[string]int{}  // value name → how many node inputs and graph outputs use it
	for i, f := range g {
		switch f.num {
		case graphNode:
			nm, err := parse(f.b)
			if err != nil {
				return nil, st, fmt.Errorf("onnx node %d: %w", len(nodes), err)
			}
			n := &node{at: i, m: nm, op: nm.str(nodeOpType), in: nm.strings(nodeInput), out: nm.strings(nodeOutput)}
			nodes = append(nodes, n)
			for _, o := range n.out {
				producer[o] = n
			}
			for _, in := range n.in {
				uses[in]++
			}
		case graphInitializer:
			t, err := parse(f.b)
			if err != nil {
				return nil, st, fmt.Errorf("onnx initializer: %w", err)
			}
			inits[t.str(tensorName)] = i
		case graphOutput:
			vi, err := parse(f.b)
			if err != nil {
				return nil, st, fmt.Errorf("onnx graph output: %w", err)
			}
			uses[vi.str(valueInfoName)]++
		}
	}
	// Values whose last use an edit removed: candidates for deletion.
	var freed []string
	drop := func(name string) {
		uses[name]--
		if uses[name] == 0 {
			freed = append(freed, name)
		}
	}

	// PRelu(x, Expand(slope, shape)) → PRelu(x, slope).
	for _, n := range nodes {
		if n.op != "PRelu" || len(n.in) != 2 {
			continue
		}
		e := producer[n.in[1]]
		if e == nil || e.op != "Expand" || len(e.in) != 2 || len(e.out) != 1 {
			continue
		}
		n.in[1] = e.in[0]
		uses[e.in[0]]++
		n.changed = true
		drop(e.out[0])
	}
	for _, n := range nodes {
		if n.op == "Expand" && len(n.out) == 1 && uses[n.out[0]] == 0 && !n.removed {
			n.removed = true
			st.Expands++
			for _, in := range n.in {
				drop(in)
			}
		}
	}

	// Clip(x, min, max) → Clip(x) with min/max attributes.
	for _, n := range nodes {
		if n.op != "Clip" || len(n.in) < 2 {
			continue
		}
		var attrs message
		for k, name := range []string{"min", "max"} {
			if k+1 >= len(n.in) || n.in[k+1] == "" {
				continue
			}
			v, err := constant(g, inits, producer, n.in[k+1])
			if err != nil {
				return nil, st, fmt.Errorf("onnx Clip %q %s: %w", n.m.str(nodeName), name, err)
			}
			a := message{
				{num: attrName, typ: protowire.BytesType, b: []byte(name)},
				{num: attrFloat, typ: protowire.Fixed32Type, v: uint64(math.Float32bits(v))},
				{num: attrType, typ: protowire.VarintType, v: attrTypeF},
			}
			attrs = append(attrs, field{num: nodeAttribute, typ: protowire.BytesType, b: a.encode()})
		}
		for _, in := range n.in[1:] {
			if in != "" {
				drop(in)
			}
		}
		n.in = n.in[:1]
		n.m = append(n.m, attrs...)
		n.changed = true
		st.Clips++
	}

	// Constants nobody uses any more, and initializers nothing ever used
	// (dead weight that the exporters leave behind).
	if st.Changed() {
		for name := range inits {
			if uses[name] == 0 {
				freed = append(freed, name)
			}
		}
	}
	gone := map[int]bool{}
	for _, name := range freed {
		if uses[name] != 0 {
			continue
		}
		if i, ok := inits[name]; ok && !gone[i] {
			gone[i] = true
			st.Constants++
		} else if p := producer[name]; p != nil && p.op == "Constant" && !p.removed {
			p.removed = true
			st.Constants++
		}
	}

	if st.Changed() {
		for _, n := range nodes {
			if n.removed {
				gone[n.at] = true
			} else if n.changed {
				g[n.at].b = n.m.setStrings(nodeInput, n.in).encode()
			}
		}
		ng := make(message, 0, len(g))
		for i, f := range g {
			if !gone[i] {
				ng = append(ng, f)
			}
		}
		mm[gi].b = ng.encode()
	}

	// The opset-10 Clip needs a default opset of at most 10.
	for i, f := range mm {
		if f.num != modelOpset || f.typ != protowire.BytesType {
			continue
		}
		o, err := parse(f.b)
		if err != nil {
			return nil, st, fmt.Errorf("onnx opset: %w", err)
		}
		if d := o.str(opsetDomain); d != "" && d != "ai.onnx" {
			continue
		}
		v, _ := o.varint(opsetVersion)
		if st.Clips > 0 && v > 10 {
			for k := range o {
				if o[k].num == opsetVersion {
					o[k].v = 10
				}
			}
			mm[i].b = o.encode()
			v = 10
		}
		st.Opset = int64(v)
	}
	if !st.Changed() {
		return model, st, nil
	}
	return mm.encode(), st, nil
}

// graphOf splits a model into its fields and returns them with the index of
// its one graph field and the graph's own fields.
func graphOf(model []byte) (mm message, gi int, g message, err error) {
	if mm, err = parse(model); err != nil {
		return nil, 0, nil, fmt.Errorf("onnx model: %w", err)
	}
	gi = -1
	for i, f := range mm {
		if f.num == modelGraph {
			if f.typ != protowire.BytesType || gi >= 0 {
				return nil, 0, nil, errors.New("onnx model: want exactly one graph")
			}
			gi = i
		}
	}
	if gi < 0 {
		return nil, 0, nil, errors.New("onnx model: no graph (is this an ONNX file?)")
	}
	if g, err = parse(mm[gi].b); err != nil {
		return nil, 0, nil, fmt.Errorf("onnx graph: %w", err)
	}
	return mm, gi, g, nil
}

// constant reads a scalar float from an initializer or a Constant node.
func constant(g message, inits map[string]int, producer map[string]*node, name string) (float32, error) {
	if i, ok := inits[name]; ok {
		t, err := parse(g[i].b)
		if err != nil {
			return 0, fmt.Errorf("initializer %q: %w", name, err)
		}
		v, err := scalar(t)
		if err != nil {
			return 0, fmt.Errorf("initializer %q: %w", name, err)
		}
		return v, nil
	}
	p := producer[name]
	if p == nil || p.op != "Constant" {
		return 0, fmt.Errorf("%q is not a constant", name)
	}
	for _, f := range p.m {
		if f.num != nodeAttribute {
			continue
		}
		a, err := parse(f.b)
		if err != nil {
			return 0, fmt.Errorf("constant %q: %w", name, err)
		}
		switch a.str(attrName) {
		case "value":
			for _, af := range a {
				if af.num == attrTensor && af.typ == protowire.BytesType {
					t, err := parse(af.b)
					if err != nil {
						return 0, fmt.Errorf("constant %q: %w", name, err)
					}
					v, err := scalar(t)
					if err != nil {
						return 0, fmt.Errorf("constant %q: %w", name, err)
					}
					return v, nil
				}
			}
		case "value_float":
			for _, af := range a {
				if af.num == attrFloat && af.typ == protowire.Fixed32Type {
					return math.Float32frombits(uint32(af.v)), nil
				}
			}
		}
	}
	return 0, fmt.Errorf("constant %q has no float value", name)
}
