#ifndef BACKCOACH_LK_H
#define BACKCOACH_LK_H
#ifdef __cplusplus
extern "C" {
#endif
// BcFlow keeps the optical-flow pyramids of the last two images.
typedef struct BcFlow BcFlow;
BcFlow* bc_flow_new(int win, int levels, int iters, double eps, double min_eig);
void bc_flow_free(BcFlow* f);
// bc_flow_next makes grey (a cv::Mat*, 8-bit, one channel) the current
// image: its pyramid is built once, and serves as the previous image's
// pyramid on the next frame. It returns 0 when OpenCV turned the image
// down (then there is no current image).
int bc_flow_next(BcFlow* f, void* grey);
// bc_flow_track moves n points (x, y pairs) from the previous image to the
// current one: out gets their new places (2n floats), status n bytes (1
// where found). It returns 0 when there is no previous image (or OpenCV
// failed).
int bc_flow_track(BcFlow* f, const float* pts, int n, float* out, unsigned char* status);
#ifdef __cplusplus
}
#endif
#endif
