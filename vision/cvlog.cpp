// Small OpenCV calls gocv does not expose.
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include "cvlog.h"

// Sets OpenCV's own log level.
extern "C" void bc_opencv_log_level(int level) {
    cv::utils::logging::setLogLevel(static_cast<cv::utils::logging::LogLevel>(level));
}

// Seeds the calling thread's default random generator (cv::theRNG), which
// GrabCut's k-means draws from.
extern "C" void bc_opencv_rng_seed(int seed) {
    cv::setRNGSeed(seed);
}
