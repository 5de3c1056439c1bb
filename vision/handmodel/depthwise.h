#ifndef BACKCOACH_HANDMODEL_DEPTHWISE_H
#define BACKCOACH_HANDMODEL_DEPTHWISE_H
#ifdef __cplusplus
extern "C" {
#endif

// backcoach_register_depthwise registers the depthwise-convolution layer
// under the given ONNX operator type with OpenCV's layer factory.
void backcoach_register_depthwise(const char* op);

// backcoach_register_pointwise registers the pointwise-convolution layer
// (pointwise.cpp) under the given ONNX operator type.
void backcoach_register_pointwise(const char* op);

// backcoach_register_dense registers the layer of dense.cpp (a dense
// convolution of an image of few channels) under the given ONNX operator
// type.
void backcoach_register_dense(const char* op);

#ifdef __cplusplus
}
#endif
#endif
