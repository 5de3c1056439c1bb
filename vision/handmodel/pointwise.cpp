// A pointwise-convolution layer for OpenCV's DNN module: a 1×1 convolution
// (one group, stride 1, no padding) is the product of its weights
// (Cout×Cin) and the pixels' channels (Cin×H·W). This layer computes it in
// register tiles of output channels × pixels (4 × 24 with AVX2, 8 × 32 with
// AVX-512), with the bias and an optional ReLU6 fused, and shares the
// pixels out among OpenCV's threads; maps smaller than 14×14 go to
// OpenCV's own convolution.
// The results match OpenCV's to float rounding (see depthwise_test.go).
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/dnn/all_layers.hpp>
#include "depthwise.h"
#include "simd.h"

namespace {

// Dims is one pointwise product: Cin and Cout channels of P pixels. The
// weights are packed in blocks of J output channels, [Cout/J][Cin][J] (the
// last block zero-filled); bias is Cout values (or null).
struct Dims {
    int Cin, Cout, P;
    bool act;
    float lo, hi;
};

// tile computes output channels co0..co0+J-1 (those below Cout) of pixels
// p0..p0+L·V-1 from X (Cin rows of stride xs) into Y (rows of stride ys),
// VT holding L floats; only the first valid pixels are stored. Loads and
// stores go through memcpy: the pixels are not aligned to the vectors.
template <typename VT, int L, int J, int V>
BC_INLINE void tile(const Dims& d, const float* W, const float* bias, const float* X, size_t xs, float* Y, size_t ys,
                    int co0, int valid) {
    VT acc[J][V];
    _Pragma("GCC unroll 8") for (int j = 0; j < J; j++) {
        const float b = bias && co0 + j < d.Cout ? bias[co0 + j] : 0.f;
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) acc[j][v] = VT{} + b;
    }
    const float* w = W + static_cast<size_t>(co0 / J) * d.Cin * J;
    for (int ci = 0; ci < d.Cin; ci++, w += J) {
        const float* x = X + ci * xs;
        VT xv[V];
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) __builtin_memcpy(&xv[v], x + L * v, sizeof(VT));
        _Pragma("GCC unroll 8") for (int j = 0; j < J; j++) {
            const VT wv = VT{} + w[j];
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) acc[j][v] += wv * xv[v];
        }
    }
    const VT lo = VT{} + d.lo, hi = VT{} + d.hi;
    _Pragma("GCC unroll 8") for (int j = 0; j < J; j++) {
        if (co0 + j >= d.Cout) break;
        float* y = Y + (co0 + j) * ys;
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++)
            storeClamped<VT, L>(y + L * v, acc[j][v], d.act, lo, hi, valid - L * v);
    }
}

// pixelsWith computes pixels p0..p1-1 of one image (X: Cin×P, Y: Cout×P)
// in tiles of J output channels × L·V pixels, then of L pixels, the last
// few through a zero-padded copy of L.
template <typename VT, int L, int J, int V>
BC_INLINE void pixelsWith(const Dims& d, const float* W, const float* bias, const float* X, float* Y, int p0, int p1) {
    int p = p0;
    for (; p + L * V <= p1; p += L * V)
        for (int co = 0; co < d.Cout; co += J) tile<VT, L, J, V>(d, W, bias, X + p, d.P, Y + p, d.P, co, L * V);
    for (; p + L <= p1; p += L)
        for (int co = 0; co < d.Cout; co += J) tile<VT, L, J, 1>(d, W, bias, X + p, d.P, Y + p, d.P, co, L);
    if (p < p1) {
        const int n = p1 - p;
        std::vector<float> xs(static_cast<size_t>(d.Cin) * L, 0.f);
        for (int ci = 0; ci < d.Cin; ci++) std::copy(X + static_cast<size_t>(ci) * d.P + p, X + static_cast<size_t>(ci) * d.P + p1, xs.begin() + ci * L);
        for (int co = 0; co < d.Cout; co += J) tile<VT, L, J, 1>(d, W, bias, xs.data(), L, Y + p, d.P, co, n);
    }
}

// v16 is sixteen floats (one AVX-512 register).
typedef float v16 __attribute__((vector_size(64)));

// The kernels: weights packed by 4 output channels for the AVX2 and
// baseline builds (4 × 24 pixels a tile), by 8 for the AVX-512 one (8 × 32
// pixels: about 2.3 times as fast on this machine's AVX-512 CPU, whose
// vector units are 512 bits wide). Each output is the same sum of products
// in the same order in every build: the results are the same to the bit.
#ifdef BC_TWO_BUILDS
__attribute__((target("avx512f,avx512vl,fma"))) void pixels512(const Dims& d, const float* W8, const float* bias,
                                                              const float* X, float* Y, int p0, int p1) {
    pixelsWith<v16, 16, 8, 2>(d, W8, bias, X, Y, p0, p1);
}

__attribute__((target("avx2,fma"))) void pixelsFMA(const Dims& d, const float* W, const float* bias, const float* X,
                                                float* Y, int p0, int p1) {
    pixelsWith<v8, 8, 4, 3>(d, W, bias, X, Y, p0, p1);
}

void pixelsBase(const Dims& d, const float* W, const float* bias, const float* X, float* Y, int p0, int p1) {
    pixelsWith<v8, 8, 4, 3>(d, W, bias, X, Y, p0, p1);
}
#endif

// pixels computes pixels p0..p1-1 of one image with the build the CPU runs
// (W: the weights packed by 8 output channels for the AVX-512 build, by 4
// for the others).
void pixels(const Dims& d, const float* W, const float* bias, const float* X, float* Y, int p0, int p1) {
#ifdef BC_TWO_BUILDS
    if (useAVX512()) {
        pixels512(d, W, bias, X, Y, p0, p1);
        return;
    }
    static const bool fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (fma) {
        pixelsFMA(d, W, bias, X, Y, p0, p1);
        return;
    }
    pixelsBase(d, W, bias, X, Y, p0, p1);
#else
    pixelsWith<v8, 8, 4, 3>(d, W, bias, X, Y, p0, p1);
#endif
}

// pack returns the Cout×Cin weights w in blocks of J output channels,
// [Cout/J][Cin][J], the last block zero-filled.
std::vector<float> pack(const float* w, int cout, int cin, int J) {
    std::vector<float> out(static_cast<size_t>((cout + J - 1) / J) * cin * J, 0.f);
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++) out[(static_cast<size_t>(co / J) * cin + ci) * J + co % J] = w[static_cast<size_t>(co) * cin + ci];
    return out;
}

class PointwiseLayer : public cv::dnn::Layer {
public:
    explicit PointwiseLayer(const cv::dnn::LayerParams& p) : Layer(p), act(false), lo(0), hi(0) {
        CV_Assert(blobs.size() >= 1 && blobs[0].dims == 4 && blobs[0].size[2] == 1 && blobs[0].size[3] == 1 &&
                  blobs[0].type() == CV_32F && blobs[0].isContinuous());
        CV_Assert(blobs.size() < 2 || (blobs[1].type() == CV_32F && static_cast<int>(blobs[1].total()) == blobs[0].size[0]));
        const int cout = blobs[0].size[0], cin = blobs[0].size[1];
        const float* w = blobs[0].ptr<float>();
        packed = pack(w, cout, cin, useAVX512() ? 8 : 4);
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
        // pieces of one tile's pixels, the last one whatever is left
        const int piece = useAVX512() ? 32 : 24;
        const int pieces = (d.P + piece - 1) / piece;
        for (int n = 0; n < X.size[0]; n++) {
            Body body(d, packed.data(), bias, X.ptr<float>(n), Y.ptr<float>(n), piece);
            cv::parallel_for_(cv::Range(0, pieces), body);
        }
    }

private:
    class Body : public cv::ParallelLoopBody {
    public:
        Body(const Dims& d, const float* W, const float* bias, const float* X, float* Y, int piece)
            : d(d), W(W), bias(bias), X(X), Y(Y), piece(piece) {}

        void operator()(const cv::Range& r) const CV_OVERRIDE {
            const int p0 = r.start * piece, p1 = std::min(d.P, r.end * piece);
            if (p1 > p0) pixels(d, W, bias, X, Y, p0, p1);
        }

    private:
        const Dims& d;
        const float* W;
        const float* bias;
        const float* X;
        float* Y;
        int piece;
    };

    // smallMap is the map size (pixels) under which OpenCV's convolution
    // runs the layer. With AVX2 it is the faster there (on the 7×7 maps of
    // the landmark model 0.08 against 0.12 ms a layer; on 14×14 they were
    // even, on 28×28 and larger this layer is 1.5-3 times as fast). The
    // AVX-512 build would be a little faster on the 7×7 maps too (0.49
    // against 0.55 ms for all of them) but leaves them to OpenCV as well:
    // so the AVX-512 and AVX2 builds give the same results to the bit, and
    // the tracker the same figures on either kind of machine.
    static const int smallMap = 14 * 14;

    std::vector<float> packed; // weights in blocks of 8 output channels (AVX-512 build) or 4
    bool act;                  // clamp the output to [lo, hi] (a fused ReLU6)
    float lo, hi;
    cv::Ptr<cv::dnn::BaseConvolutionLayer> inner; // OpenCV's own convolution, for maps under smallMap
};

} // namespace

void backcoach_register_pointwise(const char* op) {
    cv::dnn::LayerFactory::registerLayer(std::string(op), PointwiseLayer::create);
}
