//go:build matprofile

package main

import "gocv.io/x/gocv"

// serveMatCount is the number of open Mats (built with -tags matprofile).
func serveMatCount() int { return gocv.MatProfile.Count() }
