package vision

import (
	"math"
	"sort"

	"github.com/backcoach/backcoach/models"
)

// track is one followed palm: an alpha-beta filter on position and
// velocity, with hit and miss counts.
type track struct {
	id        int
	pos, vel  models.Point
	width     float64
	hits      int
	misses    int
	confirmed bool
	lastT     float64
}

const (
	trackConfirmHits = 3 // detections before a track is reported
	trackMaxCoast    = 6 // frames a confirmed track is kept without detection
	trackReportCoast = 3 // frames a coasting track is still reported
	trackAlpha       = 0.75
	trackBeta        = 0.3
	maxHands         = 2
)

// step advances the tracks to time ts with the frame's detections and
// returns the hands to report.
func (t *ClassicTracker) step(dets []Detection, ts float64) []models.Hand {
	gate := 1.3 * t.palmW * t.scale
	return stepTracks(&t.tracks, &t.nextID, dets, ts, gate)
}

// stepTracks is the tracking shared by the trackers: predict, match
// greedily by distance within gate, update, spawn, drop, report.
func stepTracks(tracks *[]*track, nextID *int, dets []Detection, ts float64, gate float64) []models.Hand {
	trs := *tracks
	for _, tr := range trs {
		dt := ts - tr.lastT
		if dt <= 0 || dt > 0.5 {
			dt = 1.0 / 30
		}
		tr.pos = tr.pos.Add(tr.vel.Scale(dt))
		tr.lastT = ts
	}
	type pair struct {
		ti, di int
		d      float64
	}
	var pairs []pair
	for ti, tr := range trs {
		for di, d := range dets {
			dd := tr.pos.Dist(d.Center)
			if dd <= gate {
				pairs = append(pairs, pair{ti, di, dd})
			}
		}
	}
	sort.Slice(pairs, func(a, b int) bool {
		if pairs[a].d != pairs[b].d {
			return pairs[a].d < pairs[b].d
		}
		return pairs[a].ti < pairs[b].ti
	})
	tUsed := make([]bool, len(trs))
	dUsed := make([]bool, len(dets))
	for _, p := range pairs {
		if tUsed[p.ti] || dUsed[p.di] {
			continue
		}
		tUsed[p.ti], dUsed[p.di] = true, true
		tr := trs[p.ti]
		d := dets[p.di]
		res := d.Center.Sub(tr.pos)
		tr.pos = tr.pos.Add(res.Scale(trackAlpha))
		tr.vel = tr.vel.Add(res.Scale(trackBeta * 30))
		tr.vel = clampVel(tr.vel, gate*30)
		tr.width = 0.8*tr.width + 0.2*2*d.Radius*1.15
		tr.hits++
		tr.misses = 0
		if tr.hits >= trackConfirmHits {
			tr.confirmed = true
		}
	}
	kept := trs[:0]
	for ti, tr := range trs {
		if !tUsed[ti] {
			tr.misses++
			tr.vel = tr.vel.Scale(0.7)
			limit := trackMaxCoast
			if !tr.confirmed {
				limit = 1
			}
			if tr.misses > limit {
				continue
			}
		}
		kept = append(kept, tr)
	}
	for di, d := range dets {
		if dUsed[di] {
			continue
		}
		// A new hand must not sit on an existing one.
		dup := false
		for _, tr := range kept {
			if tr.pos.Dist(d.Center) < 0.6*gate {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		kept = append(kept, &track{id: *nextID, pos: d.Center, width: 2 * d.Radius * 1.15, hits: 1, lastT: ts})
		*nextID++
	}
	*tracks = kept
	// Report the confirmed tracks, best first, at most two.
	var rep []*track
	for _, tr := range kept {
		if tr.confirmed && tr.misses <= trackReportCoast {
			rep = append(rep, tr)
		}
	}
	sort.Slice(rep, func(a, b int) bool {
		if rep[a].misses != rep[b].misses {
			return rep[a].misses < rep[b].misses
		}
		return rep[a].hits > rep[b].hits
	})
	if len(rep) > maxHands {
		rep = rep[:maxHands]
	}
	sort.Slice(rep, func(a, b int) bool { return rep[a].id < rep[b].id })
	hands := make([]models.Hand, 0, len(rep))
	for _, tr := range rep {
		score := 1.0
		if tr.misses > 0 {
			score = 0.5
		}
		hands = append(hands, models.Hand{ID: tr.id, X: tr.pos.X, Y: tr.pos.Y, Width: tr.width, Score: score})
	}
	return hands
}

func clampVel(v models.Point, max float64) models.Point {
	l := math.Hypot(v.X, v.Y)
	if l > max && l > 0 {
		return v.Scale(max / l)
	}
	return v
}
