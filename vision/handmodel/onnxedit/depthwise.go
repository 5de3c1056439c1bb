package onnxedit

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// OpLen is the length of every operator type Rename gives: that of
// "Conv", so that the edit moves no byte.
const OpLen = len("Conv")

// Rename gives, in place, every depthwise convolution of model (a Conv
// whose group equals its channel count, weights [C, 1, kh, kw], no
// dilation) the operator type dw and every pointwise one (weights
// [Cout, Cin, 1, 1], one group, stride 1, no padding and no dilation: a
// matrix product of the weights and the pixels' channels) the type pw, and
// returns how many of each it renamed. An empty type leaves those
// convolutions as they are; any other must be OpLen bytes long, so that
// the model keeps its length and layout: a model of megabytes is neither
// copied nor encoded again. The operators keep Conv's attributes and
// inputs.
//
// OpenCV 4.6 runs depthwise 5×5 convolutions through its general
// convolution path, about 1 multiply-add per nanosecond on one core; layers
// registered under dw and pw (see the handmodel package) run both kinds
// several times faster.
func Rename(model []byte, dw, pw string) (depthwise, pointwise int, err error) {
	for _, op := range []string{dw, pw} {
		if op != "" && len(op) != OpLen {
			return 0, 0, fmt.Errorf("operator type %q: want %d bytes, as Conv", op, OpLen)
		}
	}
	err = eachConv(model, func(c convInfo, opType []byte) {
		w := c.weights
		switch {
		case dw != "" && len(w) == 4 && w[1] == 1 && w[0] >= 2 && c.group == w[0] && !c.dilated:
			copy(opType, dw)
			depthwise++
		case pw != "" && len(w) == 4 && w[2] == 1 && w[3] == 1 && c.group == 1 && !c.dilated && !c.strided && !c.padded:
			copy(opType, pw)
			pointwise++
		}
	})
	return depthwise, pointwise, err
}

// MaxDenseInputs is the most input channels a convolution RenameDense
// renames may have.
const MaxDenseInputs = 4

// RenameDense gives, in place, every dense convolution of model with at
// most MaxDenseInputs input channels (weights [Cout, Cin, kh, kw], one
// group, no dilation, explicit padding: a model's first layer, on the RGB
// image) the operator type op (OpLen bytes long), and returns how many it
// renamed. The operators keep Conv's attributes and inputs.
func RenameDense(model []byte, op string) (int, error) {
	if len(op) != OpLen {
		return 0, fmt.Errorf("operator type %q: want %d bytes, as Conv", op, OpLen)
	}
	n := 0
	err := eachConv(model, func(c convInfo, opType []byte) {
		w := c.weights
		if len(w) == 4 && w[1] >= 1 && w[1] <= MaxDenseInputs && c.group == 1 && !c.dilated && !c.autoPad {
			copy(opType, op)
			n++
		}
	})
	return n, err
}

// convInfo is what eachConv knows of a Conv node.
type convInfo struct {
	weights []int64 // dims of its weight initializer (nil when not one)
	group   int64
	dilated bool // a dilation other than 1
	strided bool // a stride other than 1
	padded  bool // a pad other than 0, or padding left to auto_pad
	autoPad bool // padding left to auto_pad (SAME_UPPER, SAME_LOWER)
}

// eachConv calls fn with every Conv node of model that has a weight input:
// what it knows of the node, and the bytes of its operator type within
// model itself.
func eachConv(model []byte, fn func(c convInfo, opType []byte)) error {
	_, _, g, err := graphOf(model)
	if err != nil {
		return err
	}
	shapes := map[string][]int64{} // initializer name → dims
	for _, f := range g {
		if f.num != graphInitializer || f.typ != protowire.BytesType {
			continue
		}
		t, err := parse(f.b)
		if err != nil {
			return fmt.Errorf("onnx initializer: %w", err)
		}
		shapes[t.str(tensorName)] = dims(t)
	}
	for _, f := range g {
		if f.num != graphNode || f.typ != protowire.BytesType {
			continue
		}
		nm, err := parse(f.b)
		if err != nil {
			return fmt.Errorf("onnx node: %w", err)
		}
		var opType []byte
		for _, nf := range nm {
			if nf.num == nodeOpType && nf.typ == protowire.BytesType {
				opType = nf.b
			}
		}
		if string(opType) != "Conv" {
			continue
		}
		in := nm.strings(nodeInput)
		if len(in) < 2 {
			continue
		}
		c, err := convAttrs(nm)
		if err != nil {
			return fmt.Errorf("onnx Conv %q: %w", nm.str(nodeName), err)
		}
		c.weights = shapes[in[1]]
		fn(c, opType)
	}
	return nil
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
				c.padded, c.autoPad = true, true
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
