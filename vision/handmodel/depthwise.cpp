// A depthwise-convolution layer for OpenCV's DNN module. OpenCV 4.6 runs
// depthwise 5×5 convolutions through its general convolution path; this
// layer computes eight channels at a time, one vector lane per channel (on
// wide maps one channel at a time along the rows), shares the channels out
// among OpenCV's threads, and runs the hand models about 2.5 times as fast
// on one core. The results match OpenCV's to float rounding (see
// depthwise_test.go).
#include <algorithm>
#include <string>
#include <vector>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/dnn/all_layers.hpp>
#include "depthwise.h"

namespace {

using cv::dnn::LayerParams;

// On x86-64 each kernel is built twice, for AVX2 and for the baseline,
// and the loader picks the one the CPU runs; elsewhere once, for the target.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BC_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define BC_CLONES
#endif

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4))); // unaligned

struct Shape {
    int C, H, W, OH, OW; // channels, input and output size
    int kh, kw, sh, sw;  // kernel and stride
    int pt, pl;          // padding on the top and on the left
    bool act;            // clamp the output to [lo, hi] (a fused ReLU6)
    float lo, hi;
};

// depthwise8 computes one image, or some of its channels: X is C×H×W, Y is
// C×OH×OW, wt is C×kh×kw and bias C values (or null). P (the padded input of
// eight channels, interleaved) and K (their weights) are 32-byte aligned
// scratch buffers.
BC_CLONES
void depthwise8(const Shape& s, const float* X, float* Y, const float* wt, const float* bias, float* P, float* K) {
    const int taps = s.kh * s.kw;
    const int PH = (s.OH - 1) * s.sh + s.kh, PW = (s.OW - 1) * s.sw + s.kw;
    const v8* Pv = reinterpret_cast<const v8*>(P);
    const v8* Kv = reinterpret_cast<const v8*>(K);
    const v8 lo = {s.lo, s.lo, s.lo, s.lo, s.lo, s.lo, s.lo, s.lo};
    const v8 hi = {s.hi, s.hi, s.hi, s.hi, s.hi, s.hi, s.hi, s.hi};
    for (int c0 = 0; c0 < s.C; c0 += 8) {
        const int nc = std::min(8, s.C - c0);
        std::fill(P, P + static_cast<size_t>(PH) * PW * 8, 0.f);
        for (int j = 0; j < nc; j++) {
            const float* x = X + static_cast<size_t>(c0 + j) * s.H * s.W;
            for (int y = 0; y < s.H; y++) {
                const int py = y + s.pt;
                if (py < 0 || py >= PH) continue;
                const int x0 = std::max(0, -s.pl), x1 = std::min(s.W, PW - s.pl);
                float* p = P + (static_cast<size_t>(py) * PW + s.pl) * 8 + j;
                for (int xx = x0; xx < x1; xx++) p[xx * 8] = x[y * s.W + xx];
            }
        }
        for (int k = 0; k < taps; k++)
            for (int j = 0; j < 8; j++) K[k * 8 + j] = j < nc ? wt[static_cast<size_t>(c0 + j) * taps + k] : 0.f;
        v8 b = {0, 0, 0, 0, 0, 0, 0, 0};
        if (bias)
            for (int j = 0; j < nc; j++) b[j] = bias[c0 + j];
        float* y = Y + static_cast<size_t>(c0) * s.OH * s.OW;
        for (int oy = 0; oy < s.OH; oy++) {
            for (int ox = 0; ox < s.OW; ox++) {
                v8 acc = b;
                for (int ky = 0; ky < s.kh; ky++) {
                    const v8* p = Pv + static_cast<size_t>(oy * s.sh + ky) * PW + ox * s.sw;
                    const v8* w = Kv + ky * s.kw;
                    for (int kx = 0; kx < s.kw; kx++) acc += w[kx] * p[kx];
                }
                if (s.act) {
                    acc = acc < lo ? lo : acc;
                    acc = acc > hi ? hi : acc;
                }
                const int o = oy * s.OW + ox;
                for (int j = 0; j < nc; j++) y[static_cast<size_t>(j) * s.OH * s.OW + o] = acc[j];
            }
        }
    }
}

// depthwiseRows computes one image a channel at a time, vectorised along
// the rows: for stride 1 on wide maps, where interleaving eight channels
// would cost more than the arithmetic.
BC_CLONES
void depthwiseRows(const Shape& s, const float* X, float* Y, const float* wt, const float* bias) {
    const int taps = s.kh * s.kw;
    for (int c = 0; c < s.C; c++) {
        const float* x = X + static_cast<size_t>(c) * s.H * s.W;
        float* y = Y + static_cast<size_t>(c) * s.OH * s.OW;
        const float* k = wt + static_cast<size_t>(c) * taps;
        const float b = bias ? bias[c] : 0.f;
        for (int oy = 0; oy < s.OH; oy++) {
            float* __restrict yr = y + static_cast<size_t>(oy) * s.OW;
            for (int ox = 0; ox < s.OW; ox++) yr[ox] = b;
            for (int ky = 0; ky < s.kh; ky++) {
                const int iy = oy - s.pt + ky;
                if (iy < 0 || iy >= s.H) continue;
                const float* __restrict xr = x + static_cast<size_t>(iy) * s.W;
                for (int kx = 0; kx < s.kw; kx++) {
                    // output columns whose input column ox - pl + kx is inside
                    const int lo = std::max(0, s.pl - kx), hi = std::min(s.OW, s.W + s.pl - kx);
                    const float w = k[ky * s.kw + kx];
                    const float* __restrict xs = xr - s.pl + kx;
                    const v8 wv = {w, w, w, w, w, w, w, w};
                    int ox = lo;
                    for (; ox + 8 <= hi; ox += 8)
                        *reinterpret_cast<v8u*>(yr + ox) += wv * *reinterpret_cast<const v8u*>(xs + ox);
                    for (; ox < hi; ox++) yr[ox] += w * xs[ox];
                }
            }
            if (s.act)
                for (int ox = 0; ox < s.OW; ox++) yr[ox] = std::min(s.hi, std::max(s.lo, yr[ox]));
        }
    }
}

// wideRows is the output width from which depthwiseRows is the faster.
const int wideRows = 32;

class DepthwiseLayer : public cv::dnn::Layer {
public:
    explicit DepthwiseLayer(const LayerParams& p) : Layer(p), s(), pb(0), pr(0) {
        CV_Assert(blobs.size() >= 1 && blobs[0].dims == 4 && blobs[0].size[1] == 1 && blobs[0].type() == CV_32F);
        CV_Assert(blobs.size() < 2 || (blobs[1].type() == CV_32F && static_cast<int>(blobs[1].total()) == blobs[0].size[0]));
        s.kh = blobs[0].size[2];
        s.kw = blobs[0].size[3];
        s.sh = s.sw = 1;
        if (p.has("stride")) {
            const cv::dnn::DictValue& v = p.get("stride");
            s.sh = v.getIntValue(0);
            s.sw = v.size() > 1 ? v.getIntValue(1) : s.sh;
        }
        if (p.has("pad")) { // ONNX order: top, left, bottom, right
            const cv::dnn::DictValue& v = p.get("pad");
            s.pt = v.getIntValue(0);
            s.pl = v.size() > 1 ? v.getIntValue(1) : s.pt;
            pb = v.size() == 4 ? v.getIntValue(2) : s.pt;
            pr = v.size() == 4 ? v.getIntValue(3) : s.pl;
        }
        CV_Assert(s.sh > 0 && s.sw > 0 && s.pt >= 0 && s.pl >= 0 && pb >= 0 && pr >= 0);
    }

    static cv::Ptr<Layer> create(LayerParams& p) { return cv::makePtr<DepthwiseLayer>(p); }

    bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& in, int, std::vector<cv::dnn::MatShape>& out,
                         std::vector<cv::dnn::MatShape>&) const CV_OVERRIDE {
        CV_Assert(in.size() == 1 && in[0].size() == 4 && in[0][1] == blobs[0].size[0]);
        cv::dnn::MatShape o = in[0];
        o[2] = (o[2] + s.pt + pb - s.kh) / s.sh + 1;
        o[3] = (o[3] + s.pl + pr - s.kw) / s.sw + 1;
        CV_Assert(o[2] > 0 && o[3] > 0);
        out.assign(1, o);
        return false;
    }

    bool setActivation(const cv::Ptr<cv::dnn::ActivationLayer>& l) CV_OVERRIDE {
        cv::Ptr<cv::dnn::ReLU6Layer> r = l.dynamicCast<cv::dnn::ReLU6Layer>();
        if (r.empty()) return false;
        s.lo = r->minValue;
        s.hi = r->maxValue;
        s.act = true;
        return true;
    }

    void forward(cv::InputArrayOfArrays ia, cv::OutputArrayOfArrays oa, cv::OutputArrayOfArrays) CV_OVERRIDE {
        std::vector<cv::Mat> ins, outs;
        ia.getMatVector(ins);
        oa.getMatVector(outs);
        const cv::Mat& X = ins[0];
        cv::Mat& Y = outs[0];
        CV_Assert(X.type() == CV_32F && Y.type() == CV_32F && X.isContinuous() && Y.isContinuous());
        Shape d = s;
        d.C = X.size[1];
        d.H = X.size[2];
        d.W = X.size[3];
        d.OH = Y.size[2];
        d.OW = Y.size[3];
        const float* bias = blobs.size() > 1 ? blobs[1].ptr<float>() : nullptr;
        const bool rows = d.sh == 1 && d.sw == 1 && d.OW >= wideRows;
        const int unit = rows ? 1 : 8; // channels per piece of work
        for (int n = 0; n < X.size[0]; n++) {
            Body body(d, X.ptr<float>(n), Y.ptr<float>(n), blobs[0].ptr<float>(), bias, rows, unit);
            cv::parallel_for_(cv::Range(0, (d.C + unit - 1) / unit), body);
        }
    }

private:
    // Body computes a range of channels (in units of unit channels): they
    // are independent, so OpenCV's threads can share them out.
    class Body : public cv::ParallelLoopBody {
    public:
        Body(const Shape& d, const float* X, float* Y, const float* wt, const float* bias, bool rows, int unit)
            : d(d), X(X), Y(Y), wt(wt), bias(bias), rows(rows), unit(unit) {}

        void operator()(const cv::Range& r) const CV_OVERRIDE {
            const int c0 = r.start * unit, c1 = std::min(d.C, r.end * unit);
            if (c1 <= c0) return;
            Shape e = d;
            e.C = c1 - c0;
            const float* x = X + static_cast<size_t>(c0) * d.H * d.W;
            float* y = Y + static_cast<size_t>(c0) * d.OH * d.OW;
            const float* w = wt + static_cast<size_t>(c0) * d.kh * d.kw;
            const float* b = bias ? bias + c0 : nullptr;
            if (rows) {
                depthwiseRows(e, x, y, w, b);
                return;
            }
            std::vector<float> pbuf(static_cast<size_t>((d.OH - 1) * d.sh + d.kh) * ((d.OW - 1) * d.sw + d.kw) * 8 + 8);
            std::vector<float> kbuf(static_cast<size_t>(d.kh) * d.kw * 8 + 8);
            depthwise8(e, x, y, w, b, cv::alignPtr(pbuf.data(), 32), cv::alignPtr(kbuf.data(), 32));
        }

    private:
        const Shape& d;
        const float* X;
        float* Y;
        const float* wt;
        const float* bias;
        bool rows;
        int unit;
    };

    Shape s;
    int pb, pr; // padding at the bottom and on the right
};

} // namespace

void backcoach_register_depthwise(const char* op) {
    cv::dnn::LayerFactory::registerLayer(std::string(op), DepthwiseLayer::create);
}
