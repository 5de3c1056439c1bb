// Package coach checks every massage stroke against the routine and says what
// to change. It is pure Go: it never touches video. Vision hands it the palm
// centres of each frame (models.FrameObs); the coach follows each hand,
// smooths it (a One Euro filter), maps it to back coordinates (u, v), cuts its
// path into strokes (ascent, across the shoulders, down the arms) and judges
// each ascent against the routine (routine.yaml, embedded; a user's file
// replaces any of its fields).
//
// Rules of the package:
//   - A Coach is used from one goroutine: Observe once per frame, in order.
//   - A detection becomes a hand after tracking.confirm_frames detections;
//     fewer are false detections and are ignored. Hands are matched to
//     detections by predicted position (vision's ids only break ties). A
//     hand found again near where it was lost continues its stroke; one
//     found far away was lifted and put down elsewhere.
//   - Nothing is judged while a hand is getting into place: it must be seen
//     steadily on the back for tracking.settle seconds, at a pace under the
//     speed limit (a hand put back after lifting off only needs
//     tracking.confirm seconds); a stroke already under way when the hand
//     settles is not judged either.
//   - Phase changes are decided on the de-circled path (two cascaded moving
//     averages of tracking.trend_window) with hysteresis: an ascent starts
//     when it has risen tracking.ascent_rise above its lowest point and ends
//     when it has fallen tracking.turn_drop below its highest, or leaves the
//     back, or is lost. Jitter cannot split or double a stroke. The details
//     of a stroke (start, end, height, circles) are then measured on its
//     whole recorded path.
//   - A stroke the hand was seen in less than tracking.min_coverage of its
//     frames is not judged: better nothing than something wrong.
//   - The same feedback code is given at most once per debounce seconds per
//     hand; a stroke's verdicts already told during the ascent are not told
//     again.
//
// The codes, exactly (defaults in brackets):
//   - good_stroke: an ascent with none of the faults below.
//   - too_fast: the hand's speed on the back (distance covered in the last
//     pace.speed_window [0.5 s], per second) stays over pace.speed_limit
//     [0.45 L/s] for more than pace.too_fast_persist [0.5 s]; or an ascent
//     takes less than pace.min_ascent [3 s] (timed on the middle 80 % of its
//     rise and extended to the whole).
//   - on_spine: the hand stays at |u| < spine.u_max [0.10] with spine.v_min
//     < v < spine.v_max [0.1, 1] for more than spine.persist [0.5 s].
//   - no_circles: an ascent made fewer than circles.min_count [2] circles of
//     mean radius circles.radius_min..radius_max [0.02..0.15 L], counted by
//     the winding angle of the path around its drift (either way, ellipses
//     too).
//   - start_low: an ascent whose bottom (its de-circled lowest point) is
//     above start.v_max [0.30].
//   - reach_shoulders: an ascent that ended (turned back down, or left the
//     back, or vanished after leaving it) without the hand reaching v >=
//     shoulders.v_min [0.85]. A hand that vanishes on the back mid-stroke is
//     a tracking gap (a lifted hand stays in view): that stroke, like one
//     whose start was not seen or one cut by the end of a video, is not
//     judged.
//   - wrong_direction: the de-circled v of a hand falls more than
//     wrong_direction.drop [0.3 L] below its highest point while the hand
//     stays on the back (|u| <= tracking.back_u_max [1]); lifting off, or
//     going down the arms, starts afresh.
//   - avoid_zone: the hand enters a zone set with SetZones.
//   - hands_lost: no hand seen for more than hands_lost.after [3 s] after a
//     hand had been judged; then the hands settle again.
//   - lighter, firmer, stop: the receiver's buttons (Receiver); stop pauses
//     the judging until resume.
//
// A stroke that covers only part of the way (begun above the start band, or
// stopped short) is held to its share of min_ascent and min_count, so that a
// stroke begun high hears "start at the lower back", not also "slow down"
// and "add circles" for being short.
package coach
