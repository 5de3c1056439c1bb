// Pyramidal Lucas-Kanade optical flow with the pyramids kept from frame to
// frame: calcOpticalFlowPyrLK given two images builds both pyramids on
// every call, though the current image's is the next call's previous one.
// Given pyramids (with derivatives) it computes exactly what it computes
// from the images.
#include <vector>
#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>
#include "lk.h"

struct BcFlow {
    std::vector<cv::Mat> pyr[2]; // pyr[cur] is the current image's
    int cur = 0;
    bool haveCur = false, havePrev = false;
    cv::Size win;
    int levels = 0;
    cv::TermCriteria crit;
    double minEig = 0;
};

BcFlow* bc_flow_new(int win, int levels, int iters, double eps, double min_eig) {
    BcFlow* f = new BcFlow;
    f->win = cv::Size(win, win);
    f->levels = levels;
    f->crit = cv::TermCriteria(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, iters, eps);
    f->minEig = min_eig;
    return f;
}

void bc_flow_free(BcFlow* f) { delete f; }

int bc_flow_next(BcFlow* f, void* grey) {
    f->cur ^= 1;
    f->havePrev = f->haveCur;
    try {
        // Derivatives with the pyramid: they are needed when this image is
        // the previous one. The input is copied (not reused): the caller
        // writes the next image into the same Mat.
        cv::buildOpticalFlowPyramid(*static_cast<cv::Mat*>(grey), f->pyr[f->cur], f->win, f->levels, true,
                                    cv::BORDER_REFLECT_101, cv::BORDER_CONSTANT, false);
        f->haveCur = true;
    } catch (const cv::Exception&) {
        f->haveCur = false;
    }
    return f->haveCur ? 1 : 0;
}

int bc_flow_track(BcFlow* f, const float* pts, int n, float* out, unsigned char* status) {
    if (!f->havePrev || n <= 0) return 0;
    if (!f->haveCur) return 0;
    cv::Mat in(n, 1, CV_32FC2, const_cast<float*>(pts));
    cv::Mat next(n, 1, CV_32FC2, out);
    cv::Mat st(n, 1, CV_8U, status);
    try {
        cv::calcOpticalFlowPyrLK(f->pyr[f->cur ^ 1], f->pyr[f->cur], in, next, st, cv::noArray(), f->win,
                                 f->levels, f->crit, 0, f->minEig);
    } catch (const cv::Exception&) {
        return 0;
    }
    // OpenCV wrote into out and status (it would have reallocated had
    // they been of another size or type).
    return next.data == reinterpret_cast<unsigned char*>(out) && st.data == status ? 1 : 0;
}
