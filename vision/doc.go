// Package vision turns camera frames into hand observations: it opens video
// sources (file, camera index, URL, GStreamer pipeline), calibrates the back
// (spine line and half width) and tracks the partner's palms. It is the only
// package of backcoach that uses cgo (GoCV).
//
// Rules: every gocv.Mat is closed exactly once by the code that made it; a
// function that takes a Mat never closes it; a function that returns a Mat
// hands its ownership to the caller.
package vision
