// Sets OpenCV's own log level, which gocv does not expose.
#include <opencv2/core/utils/logger.hpp>
#include "cvlog.h"

extern "C" void bc_opencv_log_level(int level) {
    cv::utils::logging::setLogLevel(static_cast<cv::utils::logging::LogLevel>(level));
}
