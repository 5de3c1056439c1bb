package vision

// Internals the external tests check directly.
var (
	MedianBackground = medianBackground
	SortingNetwork   = sortingNetwork
	Relabelled       = relabelled
)
