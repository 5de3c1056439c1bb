#ifndef BACKCOACH_HANDMODEL_SIMD_H
#define BACKCOACH_HANDMODEL_SIMD_H
// Shared by the layers of depthwise.cpp, pointwise.cpp and dense.cpp.
#include <cstdlib>
#include <vector>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/dnn/all_layers.hpp>

// On x86-64 a layer's kernel is built twice, for AVX2 and for the baseline,
// and the first call picks the one the CPU runs; elsewhere once, for the
// target.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BC_TWO_BUILDS 1

#endif
// useAVX512 reports whether the layers run their AVX-512 builds: the CPU
// has AVX-512 (F and VL) and FMA, and BACKCOACH_NO_AVX512 is not set (it
// makes them run the AVX2 build, for comparing the two).
inline bool useAVX512() {
#ifdef BC_TWO_BUILDS
    static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                            __builtin_cpu_supports("fma") && std::getenv("BACKCOACH_NO_AVX512") == nullptr;
    return yes;
#else
    return false;
#endif
}

// BC_INLINE inlines a kernel's parts into each of its builds.
#define BC_INLINE inline __attribute__((always_inline))

// v8 is eight floats in a vector register (two SSE registers on the
// baseline build); v8u the same read or written at any address.
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

// storeClamped clamps value to [lo, hi] when act (a fused ReLU6) and writes
// its first n lanes to y (all L of them when n >= L; y need not be
// aligned).
template <typename VT, int L>
BC_INLINE void storeClamped(float* y, const VT& value, bool act, const VT& lo, const VT& hi, int n) {
    VT a = value;
    if (act) {
        a = a < lo ? lo : a;
        a = a > hi ? hi : a;
    }
    if (n >= L) {
        __builtin_memcpy(y, &a, sizeof(VT));
        return;
    }
    for (int k = 0; k < n; k++) y[k] = a[k];
}

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


// Geometry is a convolution layer's kernel, stride and padding (ONNX
// order: top, left, bottom, right), as OpenCV's ONNX importer gives them.
struct Geometry {
    int kh = 1, kw = 1, sh = 1, sw = 1, pt = 0, pl = 0, pb = 0, pr = 0;

    Geometry() {}
    Geometry(const cv::dnn::LayerParams& p, int kernelH, int kernelW) : kh(kernelH), kw(kernelW) {
        if (p.has("stride")) {
            const cv::dnn::DictValue& v = p.get("stride");
            sh = v.getIntValue(0);
            sw = v.size() > 1 ? v.getIntValue(1) : sh;
        }
        if (p.has("pad")) {
            const cv::dnn::DictValue& v = p.get("pad");
            pt = v.getIntValue(0);
            pl = v.size() > 1 ? v.getIntValue(1) : pt;
            pb = v.size() == 4 ? v.getIntValue(2) : pt;
            pr = v.size() == 4 ? v.getIntValue(3) : pl;
        }
        CV_Assert(kh > 0 && kw > 0 && sh > 0 && sw > 0 && pt >= 0 && pl >= 0 && pb >= 0 && pr >= 0);
    }

    // out is the output shape (cout channels) for an input of shape in.
    cv::dnn::MatShape out(const cv::dnn::MatShape& in, int cout) const {
        CV_Assert(in.size() == 4);
        cv::dnn::MatShape o = in;
        o[1] = cout;
        o[2] = (o[2] + pt + pb - kh) / sh + 1;
        o[3] = (o[3] + pl + pr - kw) / sw + 1;
        CV_Assert(o[2] > 0 && o[3] > 0);
        return o;
    }
};

// Clamp is an optional fused ReLU6: outputs clamped to [lo, hi].
struct Clamp {
    bool act = false;
    float lo = 0, hi = 0;

    // set takes the activation l when it is a ReLU6 and reports whether
    // it did.
    bool set(const cv::Ptr<cv::dnn::ActivationLayer>& l) {
        cv::Ptr<cv::dnn::ReLU6Layer> r = l.dynamicCast<cv::dnn::ReLU6Layer>();
        if (r.empty()) return false;
        lo = r->minValue;
        hi = r->maxValue;
        act = true;
        return true;
    }
};

#endif
