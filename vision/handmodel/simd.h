#ifndef BACKCOACH_HANDMODEL_SIMD_H
#define BACKCOACH_HANDMODEL_SIMD_H
// Shared by the layers of depthwise.cpp, pointwise.cpp and dense.cpp.
#include <algorithm>
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

// Padded scratch planes, shared by the depthwise layer's rows kernel and
// the dense layer: an input channel is copied into zero-padded rows, split
// by column phase when the stride is more than 1 (plane p holds the padded
// columns p, p+sw, p+2sw, ...), so that every tap of every output row reads
// consecutive floats and no bounds are checked in the inner loops.

// Plan is a channel's scratch layout: sw planes of PH rows of RS floats.
struct Plan {
    int PH, RS;
    size_t floats() const { return static_cast<size_t>(PH) * RS; }
};

// planOf is the layout of a convolution of shape s (a struct with the
// fields OH, OW, kh, kw, sh, sw) for kernels with L floats a vector: the
// rows past OW, up to a whole vector, read zeros.
template <typename S>
Plan planOf(const S& s, int L) {
    Plan p;
    p.PH = (s.OH - 1) * s.sh + s.kh;
    const int owL = (s.OW + L - 1) / L * L;
    p.RS = owL + (s.kw - 1) / s.sw + 1;
    return p;
}

// pad copies channel x (H×W) of an input to a convolution of shape s (also
// with the fields H, W, pt, pl) into the scratch planes P. It writes the
// same places for every channel: the rest (the padding) stays as the
// caller zeroed it once.
template <typename S>
BC_INLINE void pad(const S& s, const Plan& pl, const float* x, float* P) {
    for (int r = 0; r < pl.PH; r++) {
        const int iy = r - s.pt;
        if (iy < 0 || iy >= s.H) continue;
        const float* xr = x + static_cast<size_t>(iy) * s.W;
        if (s.sw == 1) {
            const int n = std::min(s.W, pl.RS - s.pl);
            if (n > 0) std::copy(xr, xr + n, P + static_cast<size_t>(r) * pl.RS + s.pl);
            continue;
        }
        if (s.sw == 2) {
            // padded column c = ix + pl goes to plane c & 1, index c >> 1:
            // sixteen input columns from an even c split into eight of each
            float* p0 = P + static_cast<size_t>(r) * pl.RS;
            float* p1 = p0 + pl.floats();
            const int W = std::min(s.W, 2 * pl.RS - s.pl);
            int ix = 0;
            for (; ix < W && ((ix + s.pl) & 1); ix++) p1[(ix + s.pl) >> 1] = xr[ix];
            typedef int v8i __attribute__((vector_size(32)));
            const v8i even = {0, 2, 4, 6, 8, 10, 12, 14}, odd = {1, 3, 5, 7, 9, 11, 13, 15};
            for (; ix + 16 <= W; ix += 16) {
                v8 a, b;
                __builtin_memcpy(&a, xr + ix, sizeof(v8));
                __builtin_memcpy(&b, xr + ix + 8, sizeof(v8));
                const v8 e = __builtin_shuffle(a, b, even), o = __builtin_shuffle(a, b, odd);
                const int i = (ix + s.pl) >> 1;
                __builtin_memcpy(p0 + i, &e, sizeof(v8));
                __builtin_memcpy(p1 + i, &o, sizeof(v8));
            }
            for (; ix < W; ix++) {
                const int c = ix + s.pl;
                (c & 1 ? p1 : p0)[c >> 1] = xr[ix];
            }
            continue;
        }
        for (int ph = 0; ph < s.sw; ph++) {
            float* pr = P + (static_cast<size_t>(ph) * pl.PH + r) * pl.RS;
            // padded column c = i*sw + ph holds input column c - pl
            const int i0 = ph >= s.pl ? 0 : (s.pl - ph + s.sw - 1) / s.sw;
            const int i1 = std::min(pl.RS, (s.W + s.pl - ph + s.sw - 1) / s.sw);
            const float* xs = xr + ph - s.pl;
            for (int i = i0; i < i1; i++) pr[i] = xs[i * s.sw];
        }
    }
}

#endif
