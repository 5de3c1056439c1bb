// Package coach checks every massage stroke against the routine and says what
// to change. It is pure Go: it never touches video. Vision hands it the palm
// centres of each frame (models.FrameObs); the coach smooths each hand's
// track (One Euro filter), maps it to back coordinates (u, v), cuts it into
// strokes (ascent, across the shoulders, down the arms) and judges each
// ascent against the routine (routine.yaml, embedded; replaceable).
//
// Rules of the package:
//   - A Coach is used from one goroutine: Observe once per frame, in order.
//   - Nothing is judged while a hand is getting into place: a new hand must
//     be seen steadily on the back for tracking.settle seconds first.
//   - Every decision is made on smoothed, de-circled signals with hysteresis,
//     so jitter never splits or doubles a stroke; the details of a stroke
//     (start, end, circles) are then measured on its whole recorded path.
//   - The same feedback code is given at most once per debounce period per
//     hand.
package coach
