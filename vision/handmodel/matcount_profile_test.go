//go:build matprofile

package handmodel_test

import (
	"bytes"

	"gocv.io/x/gocv"
)

// matCount returns how many Mats are open (-1 without the matprofile tag).
func matCount() int { return gocv.MatProfile.Count() }

// matStacks says where the open Mats were made.
func matStacks() string {
	var b bytes.Buffer
	gocv.MatProfile.WriteTo(&b, 1)
	return b.String()
}
