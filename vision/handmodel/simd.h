#ifndef BACKCOACH_HANDMODEL_SIMD_H
#define BACKCOACH_HANDMODEL_SIMD_H
// Shared by the layers of depthwise.cpp and pointwise.cpp.
#include <vector>
#include <opencv2/core.hpp>

// On x86-64 a layer's kernel is built twice, for AVX2 and for the baseline,
// and the first call picks the one the CPU runs; elsewhere once, for the
// target.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BC_TWO_BUILDS 1
#endif
// BC_INLINE inlines a kernel's parts into each of its builds.
#define BC_INLINE inline __attribute__((always_inline))

// v8 is eight floats in a vector register (two SSE registers on the
// baseline build); v8u the same read or written at any address.
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

// LayerIO is a layer's one input X and one output Y, continuous float
// blobs (OpenCV reports a failed assertion as an exception).
struct LayerIO {
    std::vector<cv::Mat> ins, outs;
    LayerIO(cv::InputArrayOfArrays ia, cv::OutputArrayOfArrays oa) {
        ia.getMatVector(ins);
        oa.getMatVector(outs);
        CV_Assert(ins.size() == 1 && outs.size() == 1);
        CV_Assert(ins[0].type() == CV_32F && outs[0].type() == CV_32F && ins[0].isContinuous() && outs[0].isContinuous());
    }
    const cv::Mat& X() const { return ins[0]; }
    cv::Mat& Y() { return outs[0]; }
};

#endif
