// Package handmodel runs MediaPipe's palm detector (BlazePalm, 128 px) and
// hand-landmark model through OpenCV's DNN module (GoCV), and installs those
// models: it fetches the two published ONNX files, checks their sha256 and
// rewrites them so that OpenCV 4.6 can load them.
//
// The chain follows MediaPipe Hands: DetectPalms finds palms on a whole
// frame (letterboxed to 128×128, 896 anchors, sigmoid scores, box decoding,
// non-maximum suppression); each palm gives a rotated region of interest (ROI)
// that Landmarks crops to 224×224 and turns into 21 landmarks, a presence
// score and the ROI for the next frame, so that a hand is followed from frame
// to frame without running the detector again.
//
// Load hands both models' depthwise and pointwise (1×1) convolutions to
// layers of its own (depthwise.cpp and pointwise.cpp, registered with
// OpenCV's layer factory): OpenCV 4.6 runs the 5×5 depthwise ones through
// its general convolution path, and its 1×1 ones on large maps at a third of
// what one core can do. With both layers a landmark pass takes 5-6 ms
// on one core where OpenCV alone took about 17, with the same results to
// float rounding.
//
// Rules: every gocv.Mat made here is closed here; functions that take a Mat
// never close it. A Models value is not safe for concurrent use (the DNN nets
// keep state between SetInput and Forward).
package handmodel
