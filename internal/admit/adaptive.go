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

	// noise is the part of an upstream time over its baseline that is
	// not counted as waiting: a busy machine delays a 1 ms request by a
	// few ms now and then, and that says nothing of the app's workers.
	noise = 5 * time.Millisecond
	// probeSlack is the delay over 1.5 × baseline that ends a probe at
	// once. Above the noise of a loaded machine (up to ~25 ms for a 1 ms
	// request), below the wait behind a full app of slow requests.
	probeSlack = 30 * time.Millisecond

	// initialLimit is where the limit starts, within Min and Max: a small
	// app's worker count, so that the first requests of an attack already
	// find headroom.
	initialLimit = 4
)

// gradient is the adaptive limit. Each window of samples compares the
// upstream times with each identity's unloaded baseline; the ratio
// Σbase/Σ(base + wait) is the share of upstream time that was work rather
// than waiting inside the app, where a sample's wait is its time over its
// baseline less the noise. Summing times rather than averaging ratios keeps
// a cheap endpoint's jitter from outweighing an expensive one.
//
// A window in which no request had to wait for a slot and at most half the
// limit was in flight is app-limited: it tells nothing of the capacity, so
// it changes nothing. Without that rule, light traffic alone (one or two
// 1–3 ms requests at a time) would read as "few busy workers" and bring the
// limit down to its minimum.
//
// The limit starts at 4 (within Min and Max), taken as good, and doubles
// while the app shows no queueing and the limit is in use (slow start),
// then rests at good, the highest limit seen clean. Every hold clean
// windows it probes good + 1. A probe that shows queueing returns to good
// and sets hold to its maximum; one that stays clean becomes the new good
// and halves hold. A settled limit seldom probes, because every probe past
// the app's capacity makes some request wait inside the app, and that
// request may be a light identity's. Queueing at or below good means the app
// got slower: the limit drops to the number of workers that were busy,
// Σbase over the window's span (Little's law), by at least one and at most
// half; that becomes good, and hold starts again at 1, so that the limit
// climbs back one step per clean window if the drop was a passing stall.
//
// While several identities are active, growth is by one, not doubling, and
// a probe is abandoned at the first request that took clearly longer than
// its baseline (1.5 × base + probeSlack), without waiting for the window:
// the cost of a probe falls on whoever arrives while the app is full.
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
	peak             int  // most requests in flight at a sample
}

func newGradient(lo, hi int) *gradient {
	g := &gradient{min: lo, max: hi, hold: 1, slowStart: true}
	g.good = g.initial()
	return g
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
	work := min(base, d)
	w.sumBase += int64(work)
	w.sumTime += int64(work + max(d-work-noise, 0))
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
	if !w.limited && 2*w.peak <= limit {
		return limit // app-limited
	}
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
	g.slowStart = false
	if limit > g.good { // a probe, or slow start, went past the capacity
		g.hold = maxHold
		g.good = max(min(busy, limit-1), g.good)
		return g.good
	}
	g.hold = 1
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
	c.adaptive.peak = max(c.adaptive.peak, c.inFlight) // t is still counted
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
