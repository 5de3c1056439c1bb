// A convolution layer for OpenCV's DNN module for the models' first layer:
// a dense convolution (one group) of an image with few channels (the RGB
// input: 3), any kernel, stride and padding. OpenCV 4.6 runs the landmark
// model's 3×3, stride-2 one at about a fifth of the vector units' peak
// (0.45 ms of a 3.5 ms pass on one core); this layer computes it in
// register tiles of output channels × output columns (8 × 32 with
// AVX-512, 4 × 24 with AVX2), each input channel first copied into
// zero-padded scratch rows split by column phase (as the depthwise layer's
// rows kernel does), so that every tap reads consecutive floats. The bias
// and an optional ReLU6 are fused. The results match OpenCV's to float
// rounding (see depthwise_test.go).
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

// Conv is one convolution's shape.
struct Conv {
    int Cin, Cout, H, W, OH, OW;
    int kh, kw, sh, sw; // kernel and stride
    int pt, pl;         // padding on the top and on the left
    Plan plan;          // the scratch layout of each input channel
    const int* off;     // where each tap (ci, ky, kx) reads, from a tile's first output
    bool act;           // clamp to [lo, hi] (a fused ReLU6)
    float lo, hi;
};

// fill copies the input (Cin×H×W) into the scratch S: each channel into sw
// planes (see pad), one channel after another.
void fill(const Conv& c, const float* X, float* S) {
    for (int ci = 0; ci < c.Cin; ci++)
        pad(c, c.plan, X + static_cast<size_t>(ci) * c.H * c.W, S + static_cast<size_t>(ci) * c.sw * c.plan.floats());
}

// tile computes output channels co0..co0+J-1 (those below Cout), row oy,
// columns ox0..ox0+L·V-1 (those below OW), VT holding L floats; Wp holds
// the weights in blocks of J output channels, [Cout/J][Cin·kh·kw][J].
template <typename VT, int L, int J, int V>
BC_INLINE void tile(const Conv& c, const float* S, const float* Wp, const float* bias, float* Y, int co0, int oy,
                    int ox0) {
    VT acc[J][V];
    _Pragma("GCC unroll 8") for (int j = 0; j < J; j++) {
        const float b = bias && co0 + j < c.Cout ? bias[co0 + j] : 0.f;
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) acc[j][v] = VT{} + b;
    }
    const int taps = c.Cin * c.kh * c.kw;
    const float* w = Wp + static_cast<size_t>(co0 / J) * taps * J;
    const float* base = S + static_cast<size_t>(oy) * c.sh * c.plan.RS + ox0;
    for (int t = 0; t < taps; t++, w += J) {
        const float* at = base + c.off[t];
        VT xv[V];
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) __builtin_memcpy(&xv[v], at + L * v, sizeof(VT));
        _Pragma("GCC unroll 8") for (int j = 0; j < J; j++) {
            const VT wv = VT{} + w[j];
            _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) acc[j][v] += wv * xv[v];
        }
    }
    const VT lo = VT{} + c.lo, hi = VT{} + c.hi;
    _Pragma("GCC unroll 8") for (int j = 0; j < J; j++) {
        if (co0 + j >= c.Cout) break;
        float* y = Y + (static_cast<size_t>(co0 + j) * c.OH + oy) * c.OW;
        _Pragma("GCC unroll 4") for (int v = 0; v < V; v++) {
            const int ox = ox0 + L * v;
            storeClamped<VT, L>(y + ox, acc[j][v], c.act, lo, hi, c.OW - ox);
        }
    }
}

// rowsWith computes output rows oy0..oy1-1 of all channels.
template <typename VT, int L, int J, int V>
BC_INLINE void rowsWith(const Conv& c, const float* S, const float* Wp, const float* bias, float* Y, int oy0, int oy1) {
    const int vecs = (c.OW + L - 1) / L;
    for (int oy = oy0; oy < oy1; oy++)
        for (int co = 0; co < c.Cout; co += J) {
            int v = 0;
            for (; v + V <= vecs; v += V) tile<VT, L, J, V>(c, S, Wp, bias, Y, co, oy, L * v);
            for (; v < vecs; v++) tile<VT, L, J, 1>(c, S, Wp, bias, Y, co, oy, L * v);
        }
}

// v16 is sixteen floats (one AVX-512 register).
typedef float v16 __attribute__((vector_size(64)));

typedef void (*Kernel)(const Conv&, const float*, const float*, const float*, float*, int, int);

#ifdef BC_TWO_BUILDS
__attribute__((target("avx512f,avx512vl,fma"))) void rows512(const Conv& c, const float* S, const float* Wp,
                                                            const float* bias, float* Y, int oy0, int oy1) {
    rowsWith<v16, 16, 8, 2>(c, S, Wp, bias, Y, oy0, oy1);
}

__attribute__((target("avx2,fma"))) void rowsFMA(const Conv& c, const float* S, const float* Wp, const float* bias,
                                                float* Y, int oy0, int oy1) {
    rowsWith<v8, 8, 4, 3>(c, S, Wp, bias, Y, oy0, oy1);
}
#endif

void rowsBase(const Conv& c, const float* S, const float* Wp, const float* bias, float* Y, int oy0, int oy1) {
    rowsWith<v8, 8, 4, 3>(c, S, Wp, bias, Y, oy0, oy1);
}

// Build is the kernel the CPU runs, its vector width L and its block of J
// output channels.
struct Build {
    Kernel rows;
    int L, J;
};

Build buildForCPU() {
#ifdef BC_TWO_BUILDS
    if (useAVX512()) return {rows512, 16, 8};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {rowsFMA, 8, 4};
#endif
    return {rowsBase, 8, 4};
}

const Build& build() {
    static const Build b = buildForCPU();
    return b;
}

class DenseLayer : public cv::dnn::Layer {
public:
    explicit DenseLayer(const cv::dnn::LayerParams& p) : Layer(p), c() {
        CV_Assert(blobs.size() >= 1 && blobs[0].dims == 4 && blobs[0].type() == CV_32F && blobs[0].isContinuous());
        CV_Assert(blobs.size() < 2 || (blobs[1].type() == CV_32F && static_cast<int>(blobs[1].total()) == blobs[0].size[0]));
        c.Cout = blobs[0].size[0];
        c.Cin = blobs[0].size[1];
        g = Geometry(p, blobs[0].size[2], blobs[0].size[3]);
        c.kh = g.kh;
        c.kw = g.kw;
        c.sh = g.sh;
        c.sw = g.sw;
        c.pt = g.pt;
        c.pl = g.pl;
        const int J = build().J, taps = c.Cin * c.kh * c.kw;
        const float* w = blobs[0].ptr<float>();
        packed.assign(static_cast<size_t>((c.Cout + J - 1) / J) * taps * J, 0.f);
        for (int co = 0; co < c.Cout; co++)
            for (int t = 0; t < taps; t++) packed[(static_cast<size_t>(co / J) * taps + t) * J + co % J] = w[static_cast<size_t>(co) * taps + t];
    }

    static cv::Ptr<Layer> create(cv::dnn::LayerParams& p) { return cv::makePtr<DenseLayer>(p); }

    bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& in, int, std::vector<cv::dnn::MatShape>& out,
                         std::vector<cv::dnn::MatShape>&) const CV_OVERRIDE {
        CV_Assert(in.size() == 1 && in[0].size() == 4 && in[0][1] == c.Cin);
        out.assign(1, g.out(in[0], c.Cout));
        return false;
    }

    bool setActivation(const cv::Ptr<cv::dnn::ActivationLayer>& l) CV_OVERRIDE { return clamp.set(l); }

    void forward(cv::InputArrayOfArrays ia, cv::OutputArrayOfArrays oa, cv::OutputArrayOfArrays) CV_OVERRIDE {
        LayerIO io(ia, oa);
        const cv::Mat& X = io.X();
        cv::Mat& Y = io.Y();
        Conv d = c;
        d.act = clamp.act;
        d.lo = clamp.lo;
        d.hi = clamp.hi;
        d.H = X.size[2];
        d.W = X.size[3];
        d.OH = Y.size[2];
        d.OW = Y.size[3];
        d.plan = planOf(d, build().L);
        const size_t plane = d.plan.floats();
        offs.resize(static_cast<size_t>(d.Cin) * d.kh * d.kw);
        for (int ci = 0; ci < d.Cin; ci++)
            for (int ky = 0; ky < d.kh; ky++)
                for (int kx = 0; kx < d.kw; kx++)
                    offs[(ci * d.kh + ky) * d.kw + kx] =
                        static_cast<int>((ci * d.sw + kx % d.sw) * plane + static_cast<size_t>(ky) * d.plan.RS + kx / d.sw);
        d.off = offs.data();
        const size_t floats = static_cast<size_t>(d.Cin) * d.sw * plane;
        const float* bias = blobs.size() > 1 ? blobs[1].ptr<float>() : nullptr;
        if (d.H != filledH || d.W != filledW || scratch.size() != floats + 16) {
            // zeroed once for a shape: the padding and the columns past
            // the input stay zero (fill writes the same places each time)
            scratch.assign(floats + 16, 0.f);
            filledH = d.H;
            filledW = d.W;
        }
        for (int n = 0; n < X.size[0]; n++) {
            float* S = cv::alignPtr(scratch.data(), 64);
            fill(d, X.ptr<float>(n), S);
            Body body(d, S, packed.data(), bias, Y.ptr<float>(n));
            cv::parallel_for_(cv::Range(0, d.OH), body);
        }
    }

private:
    // Body computes a range of output rows: they are independent, so
    // OpenCV's threads can share them out.
    class Body : public cv::ParallelLoopBody {
    public:
        Body(const Conv& d, const float* S, const float* Wp, const float* bias, float* Y)
            : d(d), S(S), Wp(Wp), bias(bias), Y(Y) {}

        void operator()(const cv::Range& r) const CV_OVERRIDE { build().rows(d, S, Wp, bias, Y, r.start, r.end); }

    private:
        const Conv& d;
        const float* S;
        const float* Wp;
        const float* bias;
        float* Y;
    };

    Conv c;
    Geometry g;
    Clamp clamp;
    std::vector<float> packed;  // weights in blocks of J output channels
    std::vector<float> scratch; // the padded input, split by column phase
    int filledH = 0, filledW = 0; // the input size scratch was zeroed for
    std::vector<int> offs;        // the taps' offsets (Conv::off)
};

} // namespace

void backcoach_register_dense(const char* op) {
    cv::dnn::LayerFactory::registerLayer(std::string(op), DenseLayer::create);
}
