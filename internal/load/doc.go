// Package load generates HTTP load with per-identity mTLS clients and
// measures it: open-loop generators at a fixed rate that time each request
// from its scheduled start (so a stalled server cannot hide its stall by
// slowing the generator down), closed-loop generators with a fixed number of
// concurrent workers, latency histograms, and the noisy-neighbour scenario in
// which one identity floods while others measure what it costs them.
//
// It is a measuring tool for any HTTP(S) target; it is not a load-testing
// framework (no scripting, no ramps, no distributed workers). Every loop is
// bounded by a duration (at most MaxDuration) and a request count and stops
// by itself.
package load
