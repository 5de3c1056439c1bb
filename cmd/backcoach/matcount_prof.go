//go:build matprofile

package main

import "gocv.io/x/gocv"

// openMats is the number of open Mats (built with -tags matprofile), for
// GET /stats.
func openMats() int { return gocv.MatProfile.Count() }
