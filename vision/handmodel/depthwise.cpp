// A depthwise-convolution layer for OpenCV's DNN module. OpenCV 4.6 runs
// depthwise 5×5 convolutions through its general convolution path; this
// layer computes wide maps one channel at a time along the rows, narrow ones
// a vector's worth of channels at a time (one lane per channel: 8 with
// AVX2, 16 with AVX-512, each build picked at run time), shares the
// channels out among OpenCV's threads, and runs the hand models about 2.5
// times as fast on one core. The results match OpenCV's to float rounding
// (see depthwise_test.go).
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

// Products and sums stay separate operations in every build (no fused
// multiply-add, which the AVX-512 build would otherwise use): every build
// then gives the same results to the bit, and the tracker the same
// figures on every machine. Fused, the layer was no faster.
#pragma GCC optimize("fp-contract=off")

namespace {

using cv::dnn::LayerParams;

struct Shape {
    int C, H, W, OH, OW; // channels, input and output size
    int kh, kw, sh, sw;  // kernel and stride
    int pt, pl;          // padding on the top and on the left
    bool act;            // clamp the output to [lo, hi] (a fused ReLU6)
    float lo, hi;
};

// The rows kernel (output 24 columns and wider). Each channel is first
// copied into zero-padded scratch planes split by column phase (see pad in
// simd.h), so that every tap of every output row reads consecutive floats.
// Outputs are computed in tiles of R rows × V vectors of 8 or 16 columns,
// kept in registers over all the taps.

// tile computes output rows oy0..oy0+R-1, columns ox0..ox0+L·V-1 (those
// below OW are stored) of one channel, VT holding L floats.
template <typename VT, int L, int R, int V>
BC_INLINE void tile(const Shape& s, const Plan& pl, const float* P, const int* off,
                                                const float* k, float b, float* y, int oy0, int ox0) {
    VT acc[R][V];
    _Pragma("GCC unroll 4")
    for (int r = 0; r < R; r++)
        _Pragma("GCC unroll 4")
        for (int v = 0; v < V; v++) acc[r][v] = VT{} + b;
    const float* at = P + static_cast<size_t>(oy0) * s.sh * pl.RS + ox0;
    const size_t rowStep = static_cast<size_t>(s.sh) * pl.RS;
    const int taps = s.kh * s.kw;
    for (int t = 0; t < taps; t++) {
        const VT wv = VT{} + k[t];
        const float* base = at + off[t];
        _Pragma("GCC unroll 4")
        for (int r = 0; r < R; r++) {
            const float* row = base + r * rowStep;
            _Pragma("GCC unroll 4")
            for (int v = 0; v < V; v++) {
                VT x;
                __builtin_memcpy(&x, row + L * v, sizeof(VT));
                acc[r][v] += wv * x;
            }
        }
    }
    const VT lo = VT{} + s.lo, hi = VT{} + s.hi;
    _Pragma("GCC unroll 4")
    for (int r = 0; r < R; r++) {
        float* yr = y + static_cast<size_t>(oy0 + r) * s.OW;
        _Pragma("GCC unroll 4")
        for (int v = 0; v < V; v++) {
            const int ox = ox0 + L * v;
            storeClamped<VT, L>(yr + ox, acc[r][v], s.act, lo, hi, s.OW - ox);
        }
    }
}

// rowsOf computes output rows oy0..oy0+R-1 of one channel, in tiles of at
// most 4 vectors.
template <typename VT, int L, int R>
BC_INLINE void rowsOf(const Shape& s, const Plan& pl, const float* P, const int* off,
                                                  const float* k, float b, float* y, int oy0) {
    const int vecs = (s.OW + L - 1) / L;
    int v = 0;
    for (; v + 4 <= vecs; v += 4) tile<VT, L, R, 4>(s, pl, P, off, k, b, y, oy0, L * v);
    if (v + 2 <= vecs) {
        tile<VT, L, R, 2>(s, pl, P, off, k, b, y, oy0, L * v);
        v += 2;
    }
    if (v < vecs) tile<VT, L, R, 1>(s, pl, P, off, k, b, y, oy0, L * v);
}

template <typename VT, int L>
BC_INLINE void depthwiseAny(const Shape& s, const float* X, float* Y, const float* wt, const float* bias, float* P,
                             int* off) {
    const Plan pl = planOf(s, L);
    const int taps = s.kh * s.kw;
    // Where each tap reads, from the tile's first output: its phase plane,
    // its row and its column there.
    for (int ky = 0; ky < s.kh; ky++)
        for (int kx = 0; kx < s.kw; kx++)
            off[ky * s.kw + kx] = ((kx % s.sw) * pl.PH + ky) * pl.RS + kx / s.sw;
    // Four rows at a time on narrow maps, two on wide ones: at most 8
    // accumulators.
    const bool narrow = s.OW <= 16;
    std::fill(P, P + pl.floats() * s.sw, 0.f);
    for (int c = 0; c < s.C; c++) {
        pad(s, pl, X + static_cast<size_t>(c) * s.H * s.W, P);
        const float* k = wt + static_cast<size_t>(c) * taps;
        const float b = bias ? bias[c] : 0.f;
        float* y = Y + static_cast<size_t>(c) * s.OH * s.OW;
        int oy = 0;
        if (narrow)
            for (; oy + 4 <= s.OH; oy += 4) rowsOf<VT, L, 4>(s, pl, P, off, k, b, y, oy);
        for (; oy + 2 <= s.OH; oy += 2) rowsOf<VT, L, 2>(s, pl, P, off, k, b, y, oy);
        if (oy < s.OH) rowsOf<VT, L, 1>(s, pl, P, off, k, b, y, oy);
    }
}

// pixelsN computes N neighbouring output pixels of row oy from column ox
// (L channels each) of the interleaved kernel: N independent sums, so
// that each waits less on the one before (one sum alone is bound by the
// latency of its additions), each over the taps in the same order.
template <typename VT, int L, int N>
BC_INLINE void pixelsN(const Shape& s, const VT* Pv, const VT* Kv, int PW, const VT& b, const VT& lo, const VT& hi, int nc, float* y,
                       int oy, int ox) {
    VT acc[N];
    _Pragma("GCC unroll 4")
    for (int n = 0; n < N; n++) acc[n] = b;
    for (int ky = 0; ky < s.kh; ky++) {
        const VT* p = Pv + static_cast<size_t>(oy * s.sh + ky) * PW + ox * s.sw;
        const VT* w = Kv + ky * s.kw;
        for (int kx = 0; kx < s.kw; kx++) {
            const VT wk = w[kx];
            _Pragma("GCC unroll 4")
            for (int n = 0; n < N; n++) acc[n] += wk * p[kx + n * s.sw];
        }
    }
    _Pragma("GCC unroll 4")
    for (int n = 0; n < N; n++) {
        VT a = acc[n];
        if (s.act) {
            a = a < lo ? lo : a;
            a = a > hi ? hi : a;
        }
        const int o = oy * s.OW + ox + n;
        for (int j = 0; j < nc; j++) y[static_cast<size_t>(j) * s.OH * s.OW + o] = a[j];
    }
}

// lanesOf computes one image, or some of its channels, L at a time, one
// vector lane per channel (faster than the rows on narrow maps): X is
// C×H×W, Y is C×OH×OW, wt is C×kh×kw and bias C values (or null). P (the
// padded input of L channels, interleaved) and K (their weights) are
// scratch buffers aligned to the vectors.
template <typename VT, int L>
BC_INLINE void lanesOf(const Shape& s, const float* X, float* Y, const float* wt, const float* bias, float* P, float* K) {
    const int taps = s.kh * s.kw;
    const int PH = (s.OH - 1) * s.sh + s.kh, PW = (s.OW - 1) * s.sw + s.kw;
    const VT* Pv = reinterpret_cast<const VT*>(P);
    const VT* Kv = reinterpret_cast<const VT*>(K);
    const VT lo = VT{} + s.lo, hi = VT{} + s.hi;
    for (int c0 = 0; c0 < s.C; c0 += L) {
        const int nc = std::min(L, s.C - c0);
        // Each group of channels writes the same places; the padding, and
        // the lanes a last group of fewer than L leaves, stay zero.
        if (c0 == 0 || nc < L) std::fill(P, P + static_cast<size_t>(PH) * PW * L, 0.f);
        for (int j = 0; j < nc; j++) {
            const float* x = X + static_cast<size_t>(c0 + j) * s.H * s.W;
            for (int y = 0; y < s.H; y++) {
                const int py = y + s.pt;
                if (py < 0 || py >= PH) continue;
                const int x0 = std::max(0, -s.pl), x1 = std::min(s.W, PW - s.pl);
                float* p = P + (static_cast<size_t>(py) * PW + s.pl) * L + j;
                for (int xx = x0; xx < x1; xx++) p[xx * L] = x[y * s.W + xx];
            }
        }
        for (int k = 0; k < taps; k++)
            for (int j = 0; j < L; j++) K[k * L + j] = j < nc ? wt[static_cast<size_t>(c0 + j) * taps + k] : 0.f;
        VT b = VT{};
        if (bias)
            for (int j = 0; j < nc; j++) b[j] = bias[c0 + j];
        float* y = Y + static_cast<size_t>(c0) * s.OH * s.OW;
        for (int oy = 0; oy < s.OH; oy++) {
            int ox = 0;
            for (; ox + 4 <= s.OW; ox += 4) pixelsN<VT, L, 4>(s, Pv, Kv, PW, b, lo, hi, nc, y, oy, ox);
            switch (s.OW - ox) {
            case 3: pixelsN<VT, L, 3>(s, Pv, Kv, PW, b, lo, hi, nc, y, oy, ox); break;
            case 2: pixelsN<VT, L, 2>(s, Pv, Kv, PW, b, lo, hi, nc, y, oy, ox); break;
            case 1: pixelsN<VT, L, 1>(s, Pv, Kv, PW, b, lo, hi, nc, y, oy, ox); break;
            }
        }
    }
}

// wideRows is the output width from which the rows kernel is the faster.
const int wideRows = 24;

// Scratch is one thread's working memory: P holds padded input (64-byte
// aligned), off the rows kernel's tap offsets, K the interleaved kernel's
// weights (64-byte aligned). It is kept from call to call and only grows:
// the kernels fill what they read, so it is never cleared.
struct Scratch {
    std::vector<float> pbuf, kbuf;
    std::vector<int> off;
    float *P = nullptr, *K = nullptr;

    // prepare makes room for the kernel that computes shape d with L
    // floats a vector.
    void prepare(const Shape& d, int L) {
        const size_t taps = static_cast<size_t>(d.kh) * d.kw;
        const size_t need = d.OW >= wideRows
                                ? planOf(d, L).floats() * d.sw
                                : static_cast<size_t>((d.OH - 1) * d.sh + d.kh) * ((d.OW - 1) * d.sw + d.kw) * L;
        if (pbuf.size() < need + 16) pbuf.resize(need + 16);
        if (kbuf.size() < taps * L + 16) kbuf.resize(taps * L + 16);
        if (off.size() < taps) off.resize(taps);
        P = cv::alignPtr(pbuf.data(), 64);
        K = cv::alignPtr(kbuf.data(), 64);
    }
};

// v16 is sixteen floats (one AVX-512 register).
typedef float v16 __attribute__((vector_size(64)));

typedef void (*Kernel)(const Shape&, const float*, float*, const float*, const float*, Scratch&);

// The kernels are built as separate functions (inlined into one, the rows
// kernel ran 20-30 % slower on the 3×3 layers): for AVX-512 (16 floats a
// vector), AVX2 and the baseline (8).
#ifdef BC_TWO_BUILDS
#define BC_KERNELS(name, attr, VT, L)                                                                        \
    attr void rows##name(const Shape& s, const float* X, float* Y, const float* wt, const float* bias,     \
                         Scratch& w) {                                                                      \
        depthwiseAny<VT, L>(s, X, Y, wt, bias, w.P, w.off.data());                                          \
    }                                                                                                       \
    attr void lanes##name(const Shape& s, const float* X, float* Y, const float* wt, const float* bias,    \
                          Scratch& w) {                                                                     \
        lanesOf<VT, L>(s, X, Y, wt, bias, w.P, w.K);                                                        \
    }
BC_KERNELS(AVX512, __attribute__((target("avx512f,avx512vl"))), v16, 16)
BC_KERNELS(AVX2, __attribute__((target("avx2"))), v8, 8)
#endif

void rowsBase(const Shape& s, const float* X, float* Y, const float* wt, const float* bias, Scratch& w) {
    depthwiseAny<v8, 8>(s, X, Y, wt, bias, w.P, w.off.data());
}

void lanesBase(const Shape& s, const float* X, float* Y, const float* wt, const float* bias, Scratch& w) {
    lanesOf<v8, 8>(s, X, Y, wt, bias, w.P, w.K);
}

// Build is the kernel pair the CPU runs and its vector width.
struct Build {
    Kernel rows, lanes;
    int L;
};

Build buildForCPU() {
#ifdef BC_TWO_BUILDS
    if (useAVX512()) return {rowsAVX512, lanesAVX512, 16};
    if (__builtin_cpu_supports("avx2")) return {rowsAVX2, lanesAVX2, 8};
#endif
    return {rowsBase, lanesBase, 8};
}

// compute computes some channels of one image: X is C×H×W, Y is C×OH×OW,
// wt is C×kh×kw and bias C values (or null).
void compute(const Shape& s, const float* X, float* Y, const float* wt, const float* bias) {
    static const Build b = buildForCPU();
    static thread_local Scratch w;
    w.prepare(s, b.L);
    (s.OW >= wideRows ? b.rows : b.lanes)(s, X, Y, wt, bias, w);
}

// lanesUnit is how many channels the lanes kernel takes at a time.
int lanesUnit() {
    static const int L = buildForCPU().L;
    return L;
}

class DepthwiseLayer : public cv::dnn::Layer {
public:
    explicit DepthwiseLayer(const LayerParams& p) : Layer(p) {
        CV_Assert(blobs.size() >= 1 && blobs[0].dims == 4 && blobs[0].size[1] == 1 && blobs[0].type() == CV_32F);
        CV_Assert(blobs.size() < 2 || (blobs[1].type() == CV_32F && static_cast<int>(blobs[1].total()) == blobs[0].size[0]));
        g = Geometry(p, blobs[0].size[2], blobs[0].size[3]);
    }

    static cv::Ptr<Layer> create(LayerParams& p) { return cv::makePtr<DepthwiseLayer>(p); }

    bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& in, int, std::vector<cv::dnn::MatShape>& out,
                         std::vector<cv::dnn::MatShape>&) const CV_OVERRIDE {
        CV_Assert(in.size() == 1 && in[0].size() == 4 && in[0][1] == blobs[0].size[0]);
        out.assign(1, g.out(in[0], in[0][1]));
        return false;
    }

    bool setActivation(const cv::Ptr<cv::dnn::ActivationLayer>& l) CV_OVERRIDE { return clamp.set(l); }

    void forward(cv::InputArrayOfArrays ia, cv::OutputArrayOfArrays oa, cv::OutputArrayOfArrays) CV_OVERRIDE {
        LayerIO io(ia, oa);
        const cv::Mat& X = io.X();
        cv::Mat& Y = io.Y();
        Shape d;
        d.kh = g.kh;
        d.kw = g.kw;
        d.sh = g.sh;
        d.sw = g.sw;
        d.pt = g.pt;
        d.pl = g.pl;
        d.act = clamp.act;
        d.lo = clamp.lo;
        d.hi = clamp.hi;
        d.C = X.size[1];
        d.H = X.size[2];
        d.W = X.size[3];
        d.OH = Y.size[2];
        d.OW = Y.size[3];
        const float* bias = blobs.size() > 1 ? blobs[1].ptr<float>() : nullptr;
        // channels per piece of work: the interleaved kernel takes a vector's
        const int unit = d.OW >= wideRows ? 1 : lanesUnit();
        for (int n = 0; n < X.size[0]; n++) {
            Body body(d, X.ptr<float>(n), Y.ptr<float>(n), blobs[0].ptr<float>(), bias, unit);
            cv::parallel_for_(cv::Range(0, (d.C + unit - 1) / unit), body);
        }
    }

private:
    // Body computes a range of channels (in units of unit channels): they
    // are independent, so OpenCV's threads can share them out.
    class Body : public cv::ParallelLoopBody {
    public:
        Body(const Shape& d, const float* X, float* Y, const float* wt, const float* bias, int unit)
            : d(d), X(X), Y(Y), wt(wt), bias(bias), unit(unit) {}

        void operator()(const cv::Range& r) const CV_OVERRIDE {
            const int c0 = r.start * unit, c1 = std::min(d.C, r.end * unit);
            if (c1 <= c0) return;
            Shape e = d;
            e.C = c1 - c0;
            const size_t c = c0;
            compute(e, X + c * d.H * d.W, Y + c * d.OH * d.OW, wt + c * d.kh * d.kw, bias ? bias + c : nullptr);
        }

    private:
        const Shape& d;
        const float* X;
        float* Y;
        const float* wt;
        const float* bias;
        int unit;
    };

    Geometry g;
    Clamp clamp;
};

} // namespace

void backcoach_register_depthwise(const char* op) {
    cv::dnn::LayerFactory::registerLayer(std::string(op), DepthwiseLayer::create);
}
