package onnxedit

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one field of an encoded protobuf message, kept as it came so
// that a message re-encodes byte for byte unless a field is changed.
type field struct {
	num protowire.Number
	typ protowire.Type
	// v holds varint and fixed-width values.
	v uint64
	// b holds the content of a length-delimited field (no length prefix).
	b []byte
}

// message is a protobuf message as its list of fields, in order.
type message []field

// parse splits b into fields. Groups are refused (ONNX has none).
func parse(b []byte) (message, error) {
	var m message
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("bad tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			return nil, fmt.Errorf("field %d: unsupported wire type %d", num, typ)
		}
		if n < 0 {
			return nil, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		m = append(m, f)
	}
	return m, nil
}

// encode serialises the message.
func (m message) encode() []byte {
	n := 0
	for _, f := range m {
		n += protowire.SizeTag(f.num)
		switch f.typ {
		case protowire.VarintType:
			n += protowire.SizeVarint(f.v)
		case protowire.Fixed32Type:
			n += 4
		case protowire.Fixed64Type:
			n += 8
		case protowire.BytesType:
			n += protowire.SizeBytes(len(f.b))
		}
	}
	out := make([]byte, 0, n)
	for _, f := range m {
		out = protowire.AppendTag(out, f.num, f.typ)
		switch f.typ {
		case protowire.VarintType:
			out = protowire.AppendVarint(out, f.v)
		case protowire.Fixed32Type:
			out = protowire.AppendFixed32(out, uint32(f.v))
		case protowire.Fixed64Type:
			out = protowire.AppendFixed64(out, f.v)
		case protowire.BytesType:
			out = protowire.AppendBytes(out, f.b)
		}
	}
	return out
}

// strings returns the values of a repeated string field.
func (m message) strings(num protowire.Number) []string {
	var out []string
	for _, f := range m {
		if f.num == num && f.typ == protowire.BytesType {
			out = append(out, string(f.b))
		}
	}
	return out
}

// str returns the last value of a string field ("" when absent).
func (m message) str(num protowire.Number) string {
	s := m.strings(num)
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// varint returns the last value of a varint field and whether it is there.
func (m message) varint(num protowire.Number) (uint64, bool) {
	var v uint64
	ok := false
	for _, f := range m {
		if f.num == num && f.typ == protowire.VarintType {
			v, ok = f.v, true
		}
	}
	return v, ok
}

// without returns m less the fields numbered num.
func (m message) without(num protowire.Number) message {
	out := make(message, 0, len(m))
	for _, f := range m {
		if f.num != num {
			out = append(out, f)
		}
	}
	return out
}

// setStrings replaces the repeated string field num with vals, placed where
// the field first appeared (or at the front).
func (m message) setStrings(num protowire.Number, vals []string) message {
	at := -1
	for i, f := range m {
		if f.num == num {
			at = i
			break
		}
	}
	rest := m.without(num)
	if at < 0 || at > len(rest) {
		at = 0
	}
	ins := make(message, len(vals))
	for i, v := range vals {
		ins[i] = field{num: num, typ: protowire.BytesType, b: []byte(v)}
	}
	out := make(message, 0, len(rest)+len(ins))
	out = append(out, rest[:at]...)
	out = append(out, ins...)
	return append(out, rest[at:]...)
}

// ONNX field numbers used here (onnx.proto3).
const (
	modelOpset = 8 // ModelProto.opset_import
	modelGraph = 7 // ModelProto.graph

	opsetDomain  = 1 // OperatorSetIdProto.domain
	opsetVersion = 2 // OperatorSetIdProto.version

	graphNode        = 1 // GraphProto.node
	graphInitializer = 5 // GraphProto.initializer
	graphOutput      = 12

	nodeInput     = 1 // NodeProto.input
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5

	attrName   = 1 // AttributeProto.name
	attrFloat  = 2 // AttributeProto.f
	attrInt    = 3 // AttributeProto.i
	attrS      = 4 // AttributeProto.s
	attrTensor = 5 // AttributeProto.t
	attrInts   = 8 // AttributeProto.ints
	attrType   = 20
	attrTypeF  = 1 // AttributeProto.FLOAT

	tensorDims      = 1 // TensorProto.dims
	tensorDataType  = 2
	tensorFloatData = 4
	tensorName      = 8
	tensorRawData   = 9
	tensorDouble    = 10

	valueInfoName = 1

	typeFloat  = 1 // TensorProto.FLOAT
	typeDouble = 11
)

// scalar reads a one-element float or double tensor.
func scalar(t message) (float32, error) {
	dt, _ := t.varint(tensorDataType)
	var vals []float64
	for _, f := range t {
		switch {
		case f.num == tensorRawData && f.typ == protowire.BytesType:
			switch dt {
			case typeFloat:
				for b := f.b; len(b) >= 4; b = b[4:] {
					vals = append(vals, float64(math.Float32frombits(uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24)))
				}
			case typeDouble:
				for b := f.b; len(b) >= 8; b = b[8:] {
					var u uint64
					for i := 7; i >= 0; i-- {
						u = u<<8 | uint64(b[i])
					}
					vals = append(vals, math.Float64frombits(u))
				}
			}
		case f.num == tensorFloatData && f.typ == protowire.Fixed32Type:
			vals = append(vals, float64(math.Float32frombits(uint32(f.v))))
		case f.num == tensorFloatData && f.typ == protowire.BytesType:
			for b := f.b; len(b) > 0; {
				v, n := protowire.ConsumeFixed32(b)
				if n < 0 {
					return 0, errors.New("bad packed float_data")
				}
				vals = append(vals, float64(math.Float32frombits(v)))
				b = b[n:]
			}
		case f.num == tensorDouble && f.typ == protowire.Fixed64Type:
			vals = append(vals, math.Float64frombits(f.v))
		case f.num == tensorDouble && f.typ == protowire.BytesType:
			for b := f.b; len(b) > 0; {
				v, n := protowire.ConsumeFixed64(b)
				if n < 0 {
					return 0, errors.New("bad packed double_data")
				}
				vals = append(vals, math.Float64frombits(v))
				b = b[n:]
			}
		}
	}
	if dt != typeFloat && dt != typeDouble {
		return 0, fmt.Errorf("tensor of data type %d, want float", dt)
	}
	if len(vals) != 1 {
		return 0, fmt.Errorf("tensor of %d values, want 1", len(vals))
	}
	return float32(vals[0]), nil
}

// dims reads a tensor's shape.
func dims(t message) []int64 { return t.ints(tensorDims) }

// ints returns the values of a repeated int64 field, packed or not.
func (m message) ints(num protowire.Number) []int64 {
	var out []int64
	for _, f := range m {
		if f.num != num {
			continue
		}
		switch f.typ {
		case protowire.VarintType:
			out = append(out, int64(f.v))
		case protowire.BytesType:
			for b := f.b; len(b) > 0; {
				v, n := protowire.ConsumeVarint(b)
				if n < 0 {
					return out
				}
				out = append(out, int64(v))
				b = b[n:]
			}
		}
	}
	return out
}
