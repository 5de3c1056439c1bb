//go:build !matprofile

package vision_test

// matCount is -1 without -tags matprofile: Mats are not counted.
func matCount() int { return -1 }

const matProfiling = false
