package vision

// Internals the external tests check directly.
var (
	MedianBackground = medianBackground
	SortingNetwork   = sortingNetwork
	Relabelled       = relabelled
)

// FillHoles fills the holes of a w×h mask as the classic tracker does.
func FillHoles(fg []byte, w, h, maxArea int) { fillHolesIn(fg, w, h, int32(maxArea), nil) }
