// Package synth renders synthetic overhead massage-session videos with their
// ground truth (models.Truth), so the team has test videos with known answers.
//
// A session is planned from a scenario name and a seed: the seed draws the
// scene (towel, skin tones, lighting, camera zoom and tilt, back size and
// position, hand size, sleeves) and the scenario scripts the partner's two
// hands in back coordinates (u, v) of DESIGN.md, which models.Back.Point maps
// to pixels. Rendering is pure Go on float buffers; gocv is only used to encode
// H.264. Everything is deterministic given the options.
//
// Truth conventions:
//   - Back.SpineBottom is the waist midpoint W, Back.SpineTop the midpoint N of
//     the shoulder line, Back.HalfWidth the rendered half width of the torso at
//     v = 0.5 (the torso is 0.9 H wide at the waist and about 1.1 H at the
//     shoulder line); all at the nominal (mean) breathing phase and without
//     camera shake.
//   - Hand ID 0 is the partner's hand on the receiver's left side (u < 0),
//     ID 1 the one on the right. A hand's X, Y is the centre of its palm
//     (between wrist and knuckles), including camera shake; Visible is false
//     when that centre is outside the frame.
//   - Segments follow models.TruthSegment.
package synth
