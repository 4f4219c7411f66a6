package admit

import (
	"math"
	"time"
)

// Tuning of the adaptive limit.
const (
	tolerance = 0.9 // Σbase/Σtime below this means the app is queueing
	minWindow = 8   // samples per decision, at least; else the limit
	maxHold   = 128 // clean windows to wait before probing again after a failed probe

	probeSlack = 10 * time.Millisecond // latency noise a probe ignores

	// initialLimit is where the limit starts, within Min and Max: a small
	// app's worker count, so that the first requests of an attack already
	// find headroom.
	initialLimit = 4
)

// gradient is the adaptive limit. Each window of samples compares the
// upstream times with each identity's unloaded baseline; the ratio
// Σbase/Σtime is the share of upstream time that was work rather than
// waiting inside the app. Summing times rather than averaging ratios keeps a
// cheap endpoint's jitter from outweighing an expensive one.
//
// The limit starts at 4 (within Min and Max) and doubles while the app
// shows no queueing and the limit is in use (slow start), then rests
// at good, the highest limit seen clean. Every hold clean windows it probes
// good + 1. A probe that shows queueing returns to good and sets hold to its
// maximum; one that stays clean becomes the new good and halves hold. A
// settled limit seldom probes, because every probe past the app's capacity
// makes some request wait inside the app, and that request may be a light
// identity's. Queueing at or below good means the app got slower: the limit
// drops to the number of workers that were busy, Σbase over the window's
// span (Little's law), by at least one and at most half.
//
// While several identities are active, growth is by one, not doubling, and
// a probe is abandoned at the first request that took clearly longer than
// its baseline (1.5 × base + 10 ms), without waiting for the window: the
// cost of a probe falls on whoever arrives while the app is full.
//
// Only requests admitted under the current limit are counted, so the
// backlog a change leaves behind is not taken for the effect of the change.
type gradient struct {
	min, max  int
	good      int
	hold      int
	clean     int
	slowStart bool
	shared    bool // several identities active
	gen       int  // bumped on every change of the limit
	window
}

// window accumulates the samples of one decision.
type window struct {
	sumBase, sumTime int64
	first, last      int64 // times of the first and last sample
	samples          int
	limited          bool // demand exceeded the limit
}

func newGradient(lo, hi int) *gradient {
	return &gradient{min: lo, max: hi, good: lo, hold: 1, slowStart: true}
}

func (g *gradient) initial() int { return max(min(initialLimit, g.max), g.min) }

// sample records one upstream time d, of a request admitted in generation
// gen, against its identity's baseline and returns the limit, changed when a
// window closes.
func (g *gradient) sample(now int64, gen int, base, d time.Duration, ok, shared bool, limit int) int {
	if gen != g.gen {
		return limit
	}
	g.shared = shared
	if shared && limit > g.good && d > base+base/2+probeSlack {
		g.window = window{}
		g.gen++
		return g.decrease(limit, 0)
	}
	w := &g.window
	if w.samples == 0 {
		w.first = now
	}
	w.last = now
	w.samples++
	if !ok {
		// A failure counts as at least twice its baseline: a timeout
		// weighs heavily, while an identity's cheap errors, weighted by
		// their short time, cannot talk the limit down for everyone.
		d = max(d, 2*base)
	}
	w.sumBase += int64(min(base, d))
	w.sumTime += int64(d)
	if w.samples < max(limit, minWindow) {
		return limit
	}
	next := g.next(limit)
	g.window = window{}
	if next != limit {
		g.gen++
	}
	return next
}

func (g *gradient) next(limit int) int {
	w := &g.window
	ratio := 1.0
	if w.sumTime > 0 {
		ratio = float64(w.sumBase) / float64(w.sumTime)
	}
	switch {
	case ratio < tolerance:
		return g.decrease(limit, ratio)
	case w.limited:
		return g.increase(limit)
	}
	return limit
}

func (g *gradient) decrease(limit int, ratio float64) int {
	g.clean = 0
	busy := g.busy(limit, ratio)
	if limit > g.good { // a probe, or slow start, went past the capacity
		g.slowStart, g.hold = false, maxHold
		g.good = max(min(busy, limit-1), g.good)
		return g.good
	}
	g.good = max(min(busy, limit-1), limit/2, g.min)
	return g.good
}

// busy estimates the workers that were busy during the window: time in
// service over elapsed time (Little's law), or limit × ratio when the
// window is too short to tell.
func (g *gradient) busy(limit int, ratio float64) int {
	w := &g.window
	if w.last <= w.first || w.samples < 2 {
		return int(math.Round(float64(limit) * ratio))
	}
	// n completions span n−1 gaps between them.
	return int(math.Round(float64(w.sumBase) * float64(w.samples-1) / float64(w.samples) / float64(w.last-w.first)))
}

func (g *gradient) increase(limit int) int {
	if limit > g.good { // the probe found capacity
		g.good = limit
		g.hold = max(g.hold/2, 1)
	}
	g.clean++
	switch {
	case g.slowStart && !g.shared:
		return min(limit*2, g.max)
	case g.slowStart:
		return min(limit+1, g.max)
	case g.clean >= g.hold:
		g.clean = 0
		return min(limit+1, g.max)
	}
	return limit
}

// sample feeds the upstream time of t, of flow f, to the adaptive limit, if any.
func (c *Controller) sample(t *Ticket, f *flow, d time.Duration, ok bool) {
	if c.adaptive == nil {
		return
	}
	base := f.base
	if base == 0 {
		base = d
	}
	now := c.now().UnixNano()
	c.limit = c.adaptive.sample(now, t.gen, base, d, ok, c.shared(now), c.limit)
}

// generation returns the adaptive limit's generation, 0 for a fixed limit.
func (c *Controller) generation() int {
	if c.adaptive == nil {
		return 0
	}
	return c.adaptive.gen
}

// markLimited notes that a request could not start at once.
func (c *Controller) markLimited() {
	if c.adaptive != nil {
		c.adaptive.limited = true
	}
}
