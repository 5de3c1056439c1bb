// A pointwise-convolution layer for OpenCV's DNN module: a 1×1 convolution
// (one group, stride 1, no padding) is the product of its weights
// (Cout×Cin) and the pixels' channels (Cin×H·W). This layer computes it in
// register tiles of 4 output channels × 24 pixels, with the bias and an
// optional ReLU6 fused, and shares the pixels out among OpenCV's threads;
// maps smaller than 14×14 go to OpenCV's own convolution.
// The results match OpenCV's to float rounding (see depthwise_test.go).
#include <algorithm>
#include <string>
#include <vector>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/dnn/all_layers.hpp>
#include "depthwise.h"
#include "simd.h"

namespace {

// The AVX2 build uses FMA (see simd.h).

// Dims is one pointwise product: Cin and Cout channels of P pixels; W is
// packed in blocks of 4 output channels, [Cout/4][Cin][4] (the last block
// zero-filled), bias is Cout values (or null).
struct Dims {
    int Cin, Cout, P;
    bool act;
    float lo, hi;
};

// tile computes output channels co0..co0+3 (those below Cout) of pixels
// p0..p0+8V-1 from X (Cin rows of stride xs) into Y (rows of stride ys).
template <int V>
BC_INLINE void tile(const Dims& d, const float* W, const float* bias, const float* X, size_t xs, float* Y, size_t ys,
                    int co0, int valid) {
    v8 acc[4][V];
    _Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {
        const float b = bias && co0 + j < d.Cout ? bias[co0 + j] : 0.f;
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) acc[j][v] = (v8){b, b, b, b, b, b, b, b};
    }
    const float* w = W + static_cast<size_t>(co0 / 4) * d.Cin * 4;
    for (int ci = 0; ci < d.Cin; ci++, w += 4) {
        const float* x = X + ci * xs;
        v8 xv[V];
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) xv[v] = *reinterpret_cast<const v8u*>(x + 8 * v);
        _Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {
            const v8 wv = {w[j], w[j], w[j], w[j], w[j], w[j], w[j], w[j]};
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) acc[j][v] += wv * xv[v];
        }
    }
    const v8 lo = {d.lo, d.lo, d.lo, d.lo, d.lo, d.lo, d.lo, d.lo};
    const v8 hi = {d.hi, d.hi, d.hi, d.hi, d.hi, d.hi, d.hi, d.hi};
    _Pragma("GCC unroll 4") for (int j = 0; j < 4; j++) {
        if (co0 + j >= d.Cout) break;
        float* y = Y + (co0 + j) * ys;
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) {
            v8 a = acc[j][v];
            if (d.act) {
                a = a < lo ? lo : a;
                a = a > hi ? hi : a;
            }
            if (valid >= 8 * (v + 1)) {
                *reinterpret_cast<v8u*>(y + 8 * v) = a;
            } else {
                for (int k = 0; 8 * v + k < valid; k++) y[8 * v + k] = a[k];
            }
        }
    }
}

// pixels computes pixels p0..p1-1 of one image (X: Cin×P, Y: Cout×P).
BC_INLINE void pixelsAny(const Dims& d, const float* W, const float* bias, const float* X, float* Y, int p0, int p1) {
    int p = p0;
    for (; p + 24 <= p1; p += 24)
        for (int co = 0; co < d.Cout; co += 4) tile<3>(d, W, bias, X + p, d.P, Y + p, d.P, co, 24);
    for (; p + 8 <= p1; p += 8)
        for (int co = 0; co < d.Cout; co += 4) tile<1>(d, W, bias, X + p, d.P, Y + p, d.P, co, 8);
    if (p < p1) {
        // the last few pixels, through a zero-padded copy of eight
        const int n = p1 - p;
        std::vector<float> xs(static_cast<size_t>(d.Cin) * 8, 0.f);
        for (int ci = 0; ci < d.Cin; ci++) std::copy(X + static_cast<size_t>(ci) * d.P + p, X + static_cast<size_t>(ci) * d.P + p1, xs.begin() + ci * 8);
        for (int co = 0; co < d.Cout; co += 4) tile<1>(d, W, bias, xs.data(), 8, Y + p, d.P, co, n);
    }
}

#ifdef BC_TWO_BUILDS
__attribute__((target("avx2,fma"))) void pixelsFMA(const Dims& d, const float* W, const float* bias, const float* X,
                                                float* Y, int p0, int p1) {
    pixelsAny(d, W, bias, X, Y, p0, p1);
}

void pixelsBase(const Dims& d, const float* W, const float* bias, const float* X, float* Y, int p0, int p1) {
    pixelsAny(d, W, bias, X, Y, p0, p1);
}
#endif

// pixels computes pixels p0..p1-1 of one image with the build the CPU runs.
void pixels(const Dims& d, const float* W, const float* bias, const float* X, float* Y, int p0, int p1) {
#ifdef BC_TWO_BUILDS
    static const bool fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (fma) {
        pixelsFMA(d, W, bias, X, Y, p0, p1);
        return;
    }
    pixelsBase(d, W, bias, X, Y, p0, p1);
#else
    pixelsAny(d, W, bias, X, Y, p0, p1);
#endif
}

class PointwiseLayer : public cv::dnn::Layer {
public:
    explicit PointwiseLayer(const cv::dnn::LayerParams& p) : Layer(p), act(false), lo(0), hi(0) {
        CV_Assert(blobs.size() >= 1 && blobs[0].dims == 4 && blobs[0].size[2] == 1 && blobs[0].size[3] == 1 &&
                  blobs[0].type() == CV_32F && blobs[0].isContinuous());
        CV_Assert(blobs.size() < 2 || (blobs[1].type() == CV_32F && static_cast<int>(blobs[1].total()) == blobs[0].size[0]));
        const int cout = blobs[0].size[0], cin = blobs[0].size[1];
        const float* w = blobs[0].ptr<float>();
        packed.assign(static_cast<size_t>((cout + 3) / 4) * cin * 4, 0.f);
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < cin; ci++) packed[(static_cast<size_t>(co / 4) * cin + ci) * 4 + co % 4] = w[static_cast<size_t>(co) * cin + ci];
        // On small maps OpenCV's own convolution is the faster: it runs
        // them, from the same parameters.
        cv::dnn::LayerParams q = p;
        q.type = "Convolution";
        q.set("num_output", cout);
        q.set("bias_term", blobs.size() > 1);
        q.blobs = blobs;
        inner = cv::dnn::ConvolutionLayer::create(q);
    }

    static cv::Ptr<Layer> create(cv::dnn::LayerParams& p) { return cv::makePtr<PointwiseLayer>(p); }

    bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& in, int, std::vector<cv::dnn::MatShape>& out,
                         std::vector<cv::dnn::MatShape>&) const CV_OVERRIDE {
        CV_Assert(in.size() == 1 && in[0].size() == 4 && in[0][1] == blobs[0].size[1]);
        cv::dnn::MatShape o = in[0];
        o[1] = blobs[0].size[0];
        out.assign(1, o);
        return false;
    }

    bool setActivation(const cv::Ptr<cv::dnn::ActivationLayer>& l) CV_OVERRIDE {
        cv::Ptr<cv::dnn::ReLU6Layer> r = l.dynamicCast<cv::dnn::ReLU6Layer>();
        if (r.empty() || !inner->setActivation(l)) return false;
        lo = r->minValue;
        hi = r->maxValue;
        act = true;
        return true;
    }

    void finalize(cv::InputArrayOfArrays ia, cv::OutputArrayOfArrays oa) CV_OVERRIDE {
        std::vector<cv::Mat> ins;
        ia.getMatVector(ins);
        if (!ins.empty() && ins[0].dims == 4 && ins[0].size[2] * ins[0].size[3] < smallMap) inner->finalize(ia, oa);
    }

    void forward(cv::InputArrayOfArrays ia, cv::OutputArrayOfArrays oa, cv::OutputArrayOfArrays) CV_OVERRIDE {
        LayerIO io(ia, oa);
        const cv::Mat& X = io.X();
        cv::Mat& Y = io.Y();
        Dims d;
        d.Cin = X.size[1];
        d.Cout = Y.size[1];
        d.P = X.size[2] * X.size[3];
        d.act = act;
        d.lo = lo;
        d.hi = hi;
        if (d.P < smallMap) {
            inner->forward(ia, oa, cv::noArray());
            return;
        }
        const float* bias = blobs.size() > 1 ? blobs[1].ptr<float>() : nullptr;
        // pieces of 24 pixels, the last one whatever is left
        const int pieces = (d.P + 23) / 24;
        for (int n = 0; n < X.size[0]; n++) {
            Body body(d, packed.data(), bias, X.ptr<float>(n), Y.ptr<float>(n));
            cv::parallel_for_(cv::Range(0, pieces), body);
        }
    }

private:
    class Body : public cv::ParallelLoopBody {
    public:
        Body(const Dims& d, const float* W, const float* bias, const float* X, float* Y)
            : d(d), W(W), bias(bias), X(X), Y(Y) {}

        void operator()(const cv::Range& r) const CV_OVERRIDE {
            const int p0 = r.start * 24, p1 = std::min(d.P, r.end * 24);
            if (p1 > p0) pixels(d, W, bias, X, Y, p0, p1);
        }

    private:
        const Dims& d;
        const float* W;
        const float* bias;
        const float* X;
        float* Y;
    };

    // smallMap is the map size (pixels) under which OpenCV's convolution
    // is the faster: on the 7×7 maps of the landmark model it was (0.08
    // against 0.12 ms a layer), on 14×14 they are even, on 28×28 and
    // larger this layer is 1.5-3 times as fast.
    static const int smallMap = 14 * 14;

    std::vector<float> packed; // weights in blocks of 4 output channels
    bool act;                  // clamp the output to [lo, hi] (a fused ReLU6)
    float lo, hi;
    cv::Ptr<cv::dnn::BaseConvolutionLayer> inner; // OpenCV's own convolution, for maps under smallMap
};

} // namespace

void backcoach_register_pointwise(const char* op) {
    cv::dnn::LayerFactory::registerLayer(std::string(op), PointwiseLayer::create);
}
