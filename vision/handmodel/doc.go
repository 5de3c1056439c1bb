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
// Load hands both models' depthwise convolutions to a layer of its own
// (depthwise.cpp, registered with OpenCV's layer factory): OpenCV 4.6 runs
// the 5×5 ones through its general convolution path, and the layer makes a
// pass of either model about 2.5 times as fast on one core, with the same
// results to float rounding.
//
// Rules: every gocv.Mat made here is closed here; functions that take a Mat
// never close it. A Models value is not safe for concurrent use (the DNN nets
// keep state between SetInput and Forward).
package handmodel
