// Package onnxedit rewrites ONNX models so that OpenCV 4.6's importer loads
// them. It works on the protobuf wire format directly (no generated ONNX
// types): fields it does not change are copied byte for byte.
//
// Two constructs of MediaPipe's published hand models need an edit:
//   - a PRelu whose slope arrives through an Expand node: the PRelu takes
//     the slope directly (it broadcasts) and the Expand node goes;
//   - an opset-11 Clip(x, min, max) with constant min/max inputs: it becomes
//     the opset-10 Clip(x) with min/max attributes, and the model's default
//     opset becomes 10.
//
// Rename renames, in place, the depthwise and the pointwise (1×1)
// convolutions of a model to operator types of the caller's choosing, so
// that faster layers registered under those types run them.
//
// The package is pure Go (no cgo), so the installer's logic is testable
// without OpenCV.
package onnxedit
