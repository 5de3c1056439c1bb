#ifndef BACKCOACH_CVLOG_H
#define BACKCOACH_CVLOG_H
#ifdef __cplusplus
extern "C" {
#endif
void bc_opencv_log_level(int level);
void bc_opencv_rng_seed(int seed);
#ifdef __cplusplus
}
#endif
#endif
