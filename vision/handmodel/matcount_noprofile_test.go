//go:build !matprofile

package handmodel_test

// matCount returns how many Mats are open (-1 without the matprofile tag).
func matCount() int { return -1 }

// matStacks says where the open Mats were made (nothing without the tag).
func matStacks() string { return "" }
