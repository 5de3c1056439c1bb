#ifndef BACKCOACH_HANDMODEL_THREADS_H
#define BACKCOACH_HANDMODEL_THREADS_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

void backcoach_set_num_threads(int n);
int backcoach_get_num_threads(void);
// backcoach_read_net loads an ONNX model (the file's bytes) with OpenCV's
// DNN module: a new cv::dnn::Net (gocv's Net, which deletes it on Close),
// or NULL and a malloc'ed error message in *err (free it).
void* backcoach_read_net(const char* buf, size_t len, char** err);

#ifdef __cplusplus
}
#endif
#endif
