package admit

import (
	"testing"
	"time"
)

const ms = time.Millisecond

// feed gives g one window of n samples, one every gap, each taking d
// against base, with the whole limit in flight; limited marks the window as
// short of capacity.
func feed(g *gradient, limit, n int, gap, base, d time.Duration, ok, shared, limited bool) int {
	return feedPeak(g, limit, limit, n, gap, base, d, ok, shared, limited)
}

// feedPeak is feed with peak requests in flight.
func feedPeak(g *gradient, limit, peak, n int, gap, base, d time.Duration, ok, shared, limited bool) int {
	for i := range n {
		g.limited = g.limited || limited
		g.peak = max(g.peak, peak)
		limit = g.sample(int64(i)*int64(gap), g.gen, base, d, ok, shared, limit)
	}
	return limit
}

func TestGradientSteps(t *testing.T) {
	settled := func() *gradient { g := newGradient(1, 100); g.good, g.slowStart, g.hold = 8, false, 4; return g }
	tests := []struct {
		name     string
		g        *gradient
		limit    int
		peak     int // requests in flight at most
		n        int
		base, d  time.Duration
		ok       bool
		shared   bool
		limited  bool
		want     int
		wantHold int
		wantGood int
	}{
		{"slow start doubles alone", newGradient(1, 100), 4, 4, 8, 200 * ms, 200 * ms, true, false, true, 8, 1, 4},
		// Shared, probing costs light identities a wait: no slow start.
		{"slow start settles when shared", newGradient(1, 100), 4, 4, 8, 200 * ms, 200 * ms, true, true, true, 4, maxHold, 4},
		{"unused limit stays", newGradient(1, 100), 4, 4, 8, 200 * ms, 200 * ms, true, false, false, 4, 1, 4},
		{"max bounds growth", newGradient(1, 6), 4, 4, 8, 200 * ms, 200 * ms, true, false, true, 6, 1, 4},
		{"settled waits hold windows", settled(), 8, 8, 8, 200 * ms, 200 * ms, true, false, true, 8, 4, 8},
		// 8 requests of 200 ms completing 50 ms apart: 4 workers busy.
		// Hold becomes stallHold, in case the app only stalled.
		{"queueing drops to busy workers", settled(), 8, 8, 8, 200 * ms, 400 * ms, true, false, true, 4, stallHold, 4},
		{"timeouts do", settled(), 8, 8, 8, 200 * ms, 30 * time.Second, false, false, false, 4, stallHold, 4},
		// Light traffic: 1 ms requests 50 ms apart keep no worker busy.
		// However slow they come back, and however few workers Little's
		// law finds busy, they say nothing of the capacity.
		{"jittery light traffic changes nothing", settled(), 8, 8, 8, ms, 4 * ms, true, false, true, 8, 4, 8},
		{"light traffic does not grow the limit", newGradient(1, 100), 4, 4, 8, ms, ms, true, false, true, 4, 1, 4},
		{"stalled light traffic changes nothing", newGradient(1, 100), 4, 3, 8, ms, 30 * ms, true, true, false, 4, 1, 4},
		// Busy workers, but only 2 of 8 slots used and none waited.
		{"app-limited window changes nothing", settled(), 8, 2, 8, 200 * ms, 400 * ms, true, false, false, 8, 4, 8},
		{"queueing at the start", newGradient(1, 100), 4, 4, 8, 200 * ms, 400 * ms, true, true, true, 3, stallHold, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := feedPeak(tt.g, tt.limit, tt.peak, tt.n, 50*ms, tt.base, tt.d, tt.ok, tt.shared, tt.limited)
			if got != tt.want || tt.g.hold != tt.wantHold || tt.g.good != tt.wantGood {
				t.Fatalf("limit %d, hold %d, good %d; want %d, %d, %d", got, tt.g.hold, tt.g.good, tt.want, tt.wantHold, tt.wantGood)
			}
		})
	}
}

func TestGradientProbe(t *testing.T) {
	g := newGradient(1, 100)
	g.good, g.slowStart, g.hold = 4, false, 1
	limit := feed(g, 4, 8, 50*ms, 200*ms, 200*ms, true, true, true)
	if limit != 5 {
		t.Fatalf("after a clean window with hold 1: limit %d, want a probe to 5", limit)
	}
	// Shared: the first request clearly slower than its baseline ends the
	// probe at once.
	gen := g.gen
	limit = g.sample(0, gen, 5*ms, 120*ms, true, true, limit)
	if limit != 4 || g.hold != maxHold || g.gen == gen {
		t.Fatalf("after a slow request during the probe: limit %d, hold %d; want 4, %d, new generation", limit, g.hold, maxHold)
	}
	// Samples of requests admitted before the change are ignored.
	if l := g.sample(0, gen, 5*ms, time.Second, true, true, limit); l != 4 || g.samples != 0 {
		t.Fatalf("stale sample changed the window: limit %d, %d samples", l, g.samples)
	}
	// A probe that stays clean is kept and halves the hold.
	g.hold, g.clean = 2, 0
	limit = feed(g, 4, 8, 50*ms, 200*ms, 200*ms, true, false, true)
	limit = feed(g, limit, 8, 50*ms, 200*ms, 200*ms, true, false, true)
	if limit != 5 {
		t.Fatalf("limit %d after two clean windows with hold 2, want 5", limit)
	}
	limit = feed(g, limit, 8, 50*ms, 200*ms, 200*ms, true, false, true)
	if g.good != 5 || g.hold != 1 {
		t.Fatalf("after a clean probe: good %d, hold %d; want 5, 1", g.good, g.hold)
	}
}

// TestGradientCheapErrors: one identity's fast errors among the app's
// normal work do not talk the limit down; the same share of timeouts does.
func TestGradientCheapErrors(t *testing.T) {
	tests := []struct {
		name string
		fail time.Duration // upstream time of the failing requests
		want int
	}{
		{"fast 5xx", 5 * ms, 8},
		{"timeouts", 30 * time.Second, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGradient(1, 100)
			g.good, g.slowStart, g.hold = 8, false, 4
			limit := 8
			for i := range 8 {
				base, d, ok := 200*ms, 200*ms, true
				if i%2 == 0 {
					base, d, ok = 5*ms, tt.fail, false
				}
				g.peak = limit
				limit = g.sample(int64(i)*int64(50*ms), g.gen, base, d, ok, false, limit)
			}
			if limit != tt.want {
				t.Fatalf("limit %d, want %d", limit, tt.want)
			}
		})
	}
}

// TestGradientRecovers: a settled limit that a stall of the app brought
// down climbs back after stallHold clean windows, not maxHold.
func TestGradientRecovers(t *testing.T) {
	g := newGradient(1, 100)
	g.good, g.slowStart, g.hold = 4, false, maxHold
	limit := feed(g, 4, 8, 50*ms, 200*ms, 400*ms, true, true, true)
	if limit != 3 || g.hold != stallHold {
		t.Fatalf("after the stall: limit %d, hold %d; want 3, %d", limit, g.hold, stallHold)
	}
	windows := 0
	for limit == 3 && windows < maxHold {
		limit = feed(g, limit, 8, 50*ms, 200*ms, 200*ms, true, true, true)
		windows++
	}
	if limit != 4 || windows != stallHold {
		t.Fatalf("limit %d after %d clean windows, want 4 after %d", limit, windows, stallHold)
	}
	// A light request that waits behind the full app ends the probe.
	limit = g.sample(0, g.gen, ms, 80*ms, true, true, limit)
	if limit != 3 || g.hold != maxHold {
		t.Fatalf("after a light request waited in the probe: limit %d, hold %d; want 3, %d", limit, g.hold, maxHold)
	}
}

// TestGradientOvercommitted: with several identities, a settled limit one
// above the app's workers shows only as light requests waiting behind
// heavy ones that are on time. Two such windows in a row bring it down by
// one; one alone may be a stall of the machine.
func TestGradientOvercommitted(t *testing.T) {
	// window feeds 7 heavy requests on time and one light one that took d.
	window := func(g *gradient, limit int, d time.Duration) int {
		for i := range 8 {
			base, took := 200*ms, 200*ms
			if i == 3 {
				base, took = ms, d
			}
			g.limited, g.peak = true, limit
			limit = g.sample(int64(i)*int64(50*ms), g.gen, base, took, true, true, limit)
		}
		return limit
	}
	tests := []struct {
		name     string
		light    []time.Duration // the light request's time in each window
		want     int
		wantGood int
		wantHold int
	}{
		{"on time", []time.Duration{ms, ms}, 5, 5, maxHold / 2},
		{"one slow window", []time.Duration{60 * ms, ms}, 5, 5, maxHold / 2},
		{"slow windows apart", []time.Duration{60 * ms, ms, 60 * ms}, 5, 5, maxHold / 2},
		{"two slow windows in a row", []time.Duration{60 * ms, 60 * ms}, 4, 4, maxHold},
		{"within the noise", []time.Duration{10 * ms, 10 * ms}, 5, 5, maxHold / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGradient(1, 100)
			g.good, g.slowStart, g.hold = 5, false, maxHold/2
			limit := 5
			for _, d := range tt.light {
				limit = window(g, limit, d)
			}
			if limit != tt.want || g.good != tt.wantGood || g.hold != tt.wantHold {
				t.Fatalf("limit %d, good %d, hold %d; want %d, %d, %d", limit, g.good, g.hold, tt.want, tt.wantGood, tt.wantHold)
			}
		})
	}
}
