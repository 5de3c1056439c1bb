#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include "threads.h"

void backcoach_set_num_threads(int n) { cv::setNumThreads(n); }

int backcoach_get_num_threads(void) { return cv::getNumThreads(); }

static char* dup_message(const std::string& s) {
    char* out = (char*)std::malloc(s.size() + 1);
    if (out == NULL) return NULL;
    std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

void* backcoach_read_net(const char* buf, size_t len, char** err) {
    *err = NULL;
    try {
        cv::dnn::Net net = cv::dnn::readNetFromONNX(buf, len);
        if (net.empty()) {
            *err = dup_message("OpenCV read an empty network");
            return NULL;
        }
        return new cv::dnn::Net(net);
    } catch (const cv::Exception& e) {
        *err = dup_message(e.what());
    } catch (const std::exception& e) {
        *err = dup_message(e.what());
    } catch (...) {
        *err = dup_message("unknown OpenCV error");
    }
    return NULL;
}
