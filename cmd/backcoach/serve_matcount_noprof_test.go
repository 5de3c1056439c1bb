//go:build !matprofile

package main

// serveMatCount is -1 without -tags matprofile: Mats are not counted.
func serveMatCount() int { return -1 }
