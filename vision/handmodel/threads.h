#ifndef BACKCOACH_HANDMODEL_THREADS_H
#define BACKCOACH_HANDMODEL_THREADS_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

void backcoach_set_num_threads(int n);
int backcoach_get_num_threads(void);
// backcoach_check_net tries to load an ONNX model (the file's bytes) with
// OpenCV's DNN module and
// returns NULL when it loads, else a malloc'ed error message (free it).
char* backcoach_check_net(const char* buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
