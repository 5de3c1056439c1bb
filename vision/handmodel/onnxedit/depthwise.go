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
	return renameConvs(model, op, func(c convInfo) bool {
		w := c.weights
		return len(w) == 4 && w[1] == 1 && w[0] >= 2 && c.group == w[0] && !c.dilated
	})
}

// Pointwise is Depthwise for the pointwise convolutions: a Conv with 1×1
// weights [Cout, Cin, 1, 1], one group, stride 1, no padding and no
// dilation (a matrix product of the weights and the pixels' channels).
func Pointwise(model []byte, op string) ([]byte, int, error) {
	return renameConvs(model, op, func(c convInfo) bool {
		w := c.weights
		return len(w) == 4 && w[2] == 1 && w[3] == 1 && c.group == 1 && !c.dilated && !c.strided && !c.padded
	})
}

// convInfo is what renameConvs knows of a Conv node.
type convInfo struct {
	weights []int64 // dims of its weight initializer (nil when not one)
	group   int64
	dilated bool // a dilation other than 1
	strided bool // a stride other than 1
	padded  bool // a pad other than 0
}

// renameConvs gives the Conv nodes that match the operator type op.
func renameConvs(model []byte, op string, match func(convInfo) bool) ([]byte, int, error) {
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
		c, err := convAttrs(nm)
		if err != nil {
			return nil, 0, fmt.Errorf("onnx Conv %q: %w", nm.str(nodeName), err)
		}
		c.weights = shapes[in[1]]
		if !match(c) {
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
// dilation or stride is other than 1, any pad other than 0.
func convAttrs(nm message) (convInfo, error) {
	c := convInfo{group: 1}
	for _, f := range nm {
		if f.num != nodeAttribute || f.typ != protowire.BytesType {
			continue
		}
		a, err := parse(f.b)
		if err != nil {
			return convInfo{}, err
		}
		switch a.str(attrName) {
		case "group":
			if v, ok := a.varint(attrInt); ok {
				c.group = int64(v)
			}
		case "dilations":
			c.dilated = c.dilated || anyBut(a.ints(attrInts), 1)
		case "strides":
			c.strided = c.strided || anyBut(a.ints(attrInts), 1)
		case "pads":
			c.padded = c.padded || anyBut(a.ints(attrInts), 0)
		case "auto_pad":
			if p := a.str(attrS); p != "" && p != "NOTSET" && p != "VALID" {
				c.padded = true
			}
		}
	}
	return c, nil
}

// anyBut reports whether vs holds a value other than v.
func anyBut(vs []int64, v int64) bool {
	for _, x := range vs {
		if x != v {
			return true
		}
	}
	return false
}
