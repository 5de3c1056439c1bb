package onnxedit

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Depthwise returns model with every depthwise convolution (a Conv whose
// group equals its channel count, weights [C, 1, kh, kw], no dilation)
// given the operator type op, and how many it renamed. Everything else is
// copied byte for byte; a model without one comes back unchanged.
//
// OpenCV 4.6 runs depthwise 5×5 convolutions through its general
// convolution path, about 1 multiply-add per nanosecond on one core; a layer
// registered under op (see the handmodel package) does them several times
// faster. The operator keeps Conv's attributes and inputs.
func Depthwise(model []byte, op string) ([]byte, int, error) {
	mm, gi, g, err := graphOf(model)
	if err != nil {
		return nil, 0, err
	}
	shapes := map[string][]int64{} // initializer name → dims
	for _, f := range g {
		if f.num != graphInitializer || f.typ != protowire.BytesType {
			continue
		}
		t, err := parse(f.b)
		if err != nil {
			return nil, 0, fmt.Errorf("onnx initializer: %w", err)
		}
		shapes[t.str(tensorName)] = dims(t)
	}
	n := 0
	for i, f := range g {
		if f.num != graphNode || f.typ != protowire.BytesType {
			continue
		}
		nm, err := parse(f.b)
		if err != nil {
			return nil, 0, fmt.Errorf("onnx node: %w", err)
		}
		if nm.str(nodeOpType) != "Conv" {
			continue
		}
		in := nm.strings(nodeInput)
		if len(in) < 2 {
			continue
		}
		w := shapes[in[1]]
		if len(w) != 4 || w[1] != 1 || w[0] < 2 {
			continue
		}
		group, dilated, err := convAttrs(nm)
		if err != nil {
			return nil, 0, fmt.Errorf("onnx Conv %q: %w", nm.str(nodeName), err)
		}
		if group != w[0] || dilated {
			continue
		}
		for k := range nm {
			if nm[k].num == nodeOpType {
				nm[k].b = []byte(op)
			}
		}
		g[i].b = nm.encode()
		n++
	}
	if n == 0 {
		return model, 0, nil
	}
	mm[gi].b = g.encode()
	return mm.encode(), n, nil
}

// convAttrs reads a Conv node's group (1 when absent) and whether any
// dilation is other than 1.
func convAttrs(nm message) (group int64, dilated bool, err error) {
	group = 1
	for _, f := range nm {
		if f.num != nodeAttribute || f.typ != protowire.BytesType {
			continue
		}
		a, err := parse(f.b)
		if err != nil {
			return 0, false, err
		}
		switch a.str(attrName) {
		case "group":
			if v, ok := a.varint(attrInt); ok {
				group = int64(v)
			}
		case "dilations":
			for _, d := range a.ints(attrInts) {
				if d != 1 {
					dilated = true
				}
			}
		}
	}
	return group, dilated, nil
}
