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
	// stallHold is the wait before probing again after the app got
	// slower at a limit it had handled: short, as that may have been a
	// passing stall of the machine rather than lost capacity.
	stallHold = 4

	// probeSlack is the delay over 1.5 × baseline that ends a probe at
	// once: above the usual noise, below most waits behind an app full of
	// slow requests. A rarer stall of the machine fails a probe too; that
	// only delays the next one.
	probeSlack = 10 * time.Millisecond

	// initialLimit is where the limit starts, within Min and Max: a small
	// app's worker count, so that the first requests of an attack already
	// find headroom.
	initialLimit = 4
)

// gradient is the adaptive limit. Each window of samples compares the
// upstream times with each identity's unloaded baseline; the ratio
// Σbase/Σtime is the share of upstream time that was work rather than
// waiting inside the app. Summing times rather than averaging ratios keeps
// a cheap endpoint's jitter from outweighing an expensive one. A sample's
// wait, its time over its baseline, counts for at most its baseline: a 1 ms
// request caught in a 50 ms stall of the machine must not outweigh the
// 200 ms requests around it, while a request that waited one whole service
// time of its own kind still halves its share.
//
// A window tells something of the capacity only if the app was in use. One
// in which less than half a worker was busy on average (Σbase over the
// window's span, Little's law), or no request had to wait for a slot and at
// most half the limit was in flight, is app-limited and changes nothing;
// and the limit grows only when at least half of it was busy. Without these
// rules light traffic, bursts of a few 1–3 ms requests, would move the
// limit on noise alone: down to its minimum, or up past the app's workers.
//
// The limit starts at 4 (within Min and Max), taken as good, and doubles
// while the app shows no queueing and the limit is in use (slow start),
// then rests at good, the highest limit seen clean. Every hold clean
// windows it probes good + 1. A probe that shows queueing returns to good
// and sets hold to its maximum; one that stays clean becomes the new good
// and halves hold. A settled limit seldom probes, because every probe past
// the app's capacity makes some request wait inside the app, and that
// request may be a light identity's. Queueing at or below good means the app
// got slower: the limit drops to the number of workers that were busy, by
// at least one and at most half; that becomes good, and hold becomes
// stallHold, so that the limit climbs back soon if the app only stalled.
//
// While several identities are active the limit does not slow-start: it
// settles where it is and probes by one every maxHold windows, and a probe
// is abandoned at the first request that took clearly longer than its
// baseline (1.5 × base + probeSlack), without waiting for the window: the
// cost of a probe falls on whoever arrives while the app is full, often a
// light identity whose every request then waits. For the same reason a
// settled limit comes down by one when light requests waited inside the
// app in two windows in a row (a lucky probe went through).
//
// A window holds at least max(limit, 8) samples and lasts at least the
// longest baseline among them, so that a burst of light requests does not
// make a window of its own while slow requests hold the app. Only requests
// admitted under the current limit are counted, so the backlog a change
// leaves behind is not taken for the effect of the change.
type gradient struct {
	min, max  int
	good      int
	hold      int
	clean     int
	slowStart bool
	shared    bool // several identities active
	strikes   int  // windows in a row with a slow request, while shared
	gen       int  // bumped on every change of the limit
	window
}

// window accumulates the samples of one decision.
type window struct {
	sumBase, sumTime int64
	first, last      int64 // times of the first and last sample
	samples          int
	maxBase          int64 // the largest baseline among the samples
	limited          bool  // demand exceeded the limit
	slow             bool  // a request took clearly longer than its baseline, while shared
	peak             int   // most requests in flight at a sample
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
	slow := shared && d > base+base/2+probeSlack
	if slow && limit > g.good {
		g.window = window{}
		g.gen++
		return g.decrease(limit, 0)
	}
	w := &g.window
	w.slow = w.slow || slow
	if w.samples == 0 {
		w.first = now
	}
	w.last = now
	w.samples++
	work := min(base, d)
	wait := min(d-work, work)
	if !ok {
		// A failure counts as at least twice its baseline, in full: a
		// timeout weighs heavily, while an identity's cheap errors,
		// weighted by their short time, cannot talk the limit down for
		// everyone.
		wait = max(d, 2*base) - work
	}
	w.sumBase += int64(work)
	w.sumTime += int64(work + wait)
	w.maxBase = max(w.maxBase, int64(base))
	if w.samples < max(limit, minWindow) || w.last-w.first < w.maxBase {
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
	if g.workers() < 0.5 || !w.limited && 2*w.peak <= limit {
		return limit // app-limited
	}
	ratio := 1.0
	if w.sumTime > 0 {
		ratio = float64(w.sumBase) / float64(w.sumTime)
	}
	// A slow light request among heavy ones on time waited for a worker;
	// when every kind is slow, the app or the machine is.
	g.strikes++
	if !w.slow || ratio < tolerance {
		g.strikes = 0
	}
	switch {
	case ratio < tolerance:
		return g.decrease(limit, ratio)
	case g.strikes >= 2:
		return g.overcommitted(limit)
	case w.limited && 2*g.workers() >= float64(limit):
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
	g.hold = stallHold
	g.good = max(min(busy, limit-1), limit/2, g.min)
	return g.good
}

// overcommitted lowers the limit by one after light requests waited inside
// the app in two windows in a row: a limit above the app's workers lets the
// request that takes the reserved slot wait behind slow ones, and the
// window's ratio hardly shows it when the waiting request is a cheap one.
// One such wait alone may be a stall of the machine.
func (g *gradient) overcommitted(limit int) int {
	g.clean, g.strikes, g.slowStart, g.hold = 0, 0, false, maxHold
	g.good = max(limit-1, g.min)
	return g.good
}

// busy estimates the workers that were busy during the window, rounded:
// workers, or limit × ratio when the window is too short to tell.
func (g *gradient) busy(limit int, ratio float64) int {
	if w := &g.window; w.last <= w.first || w.samples < 2 {
		return int(math.Round(float64(limit) * ratio))
	}
	return int(math.Round(g.workers()))
}

// workers is the time in service over the window's span (Little's law):
// how many workers were busy on average. n completions span n−1 gaps
// between them. A window too short to tell counts as fully busy.
func (g *gradient) workers() float64 {
	w := &g.window
	if w.last <= w.first || w.samples < 2 {
		return math.Inf(1)
	}
	return float64(w.sumBase) * float64(w.samples-1) / float64(w.samples) / float64(w.last-w.first)
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
		// Past here every probe costs light identities a wait: settle,
		// and probe only every maxHold windows.
		g.slowStart, g.hold, g.clean = false, maxHold, 0
		return limit
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
