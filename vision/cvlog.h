#ifndef BACKCOACH_CVLOG_H
#define BACKCOACH_CVLOG_H
#ifdef __cplusplus
extern "C" {
#endif
void bc_opencv_log_level(int level);
#ifdef __cplusplus
}
#endif
#endif
