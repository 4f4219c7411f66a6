package checks

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

const (
	noisyFactor   = 5                     // peer p50 growth that counts as degradation …
	noisyMinDelta = 50 * time.Millisecond // … when it is also at least this much slower
	holderHeadway = 100 * time.Millisecond
	minSamples    = 3
)

// samples is what the peer measured in one phase.
type samples struct {
	lat      []time.Duration
	failures int
	first    string // the first failure, for the evidence
	statuses map[int]int
}

func (s samples) p(q float64) time.Duration { return scan.Percentile(s.lat, q) }

func (s samples) String() string {
	out := fmt.Sprintf("p50 %s, p99 %s, %d failed of %d", s.p(50).Round(time.Millisecond), s.p(99).Round(time.Millisecond), s.failures, len(s.lat)+s.failures)
	if s.first != "" {
		out += " (first: " + s.first + ")"
	}
	return out
}

// holders is the primary's slow requests, kept in flight until stopped.
type holders struct {
	served, throttled, failed atomic.Int64
}

func runNoisy(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	cheap, slow := env.Baseline.Cheap, env.Baseline.Slow
	if slow == "" {
		slow = cheap
	}
	before, out := peerSamples(ctx, env, cheap, time.Time{}, "peer before")
	if out != nil {
		return *out
	}
	holdCtx, stop := context.WithTimeout(ctx, 2*env.Timing.NoisyHold+holderHeadway)
	h, wg := hold(holdCtx, env, slow)
	_ = scan.Sleep(ctx, holderHeadway)
	during, out := peerSamples(ctx, env, cheap, time.Now().Add(env.Timing.NoisyHold), "peer during")
	stop()
	wg.Wait()
	if out != nil {
		return *out
	}
	evidence := []string{
		fmt.Sprintf("primary held %d GET %s at once for up to %s: %d served, %d throttled, %d failed",
			env.Timing.NoisyHolders, slow, env.Timing.NoisyHold, h.served.Load(), h.throttled.Load(), h.failed.Load()),
		fmt.Sprintf("peer GET %s before: %s", cheap, before),
		fmt.Sprintf("peer GET %s during: %s", cheap, during),
	}
	degraded := during.p(50) > noisyFactor*before.p(50) && during.p(50)-before.p(50) >= noisyMinDelta
	if !degraded && during.failures == 0 {
		return scan.Passf("peer %s before, %s during", before, during)
	}
	f := rule.NewFinding(evidence...)
	f.Location = &finding.Location{Method: "GET", Path: slow}
	return scan.Found(evidence[2], f)
}

// hold keeps env.Timing.NoisyHolders slow GETs in flight as the primary
// until ctx ends, honouring Retry-After when throttled.
func hold(ctx context.Context, env *scan.Env, path string) (*holders, *sync.WaitGroup) {
	h := &holders{}
	wg := &sync.WaitGroup{}
	for range env.Timing.NoisyHolders {
		wg.Go(func() {
			for ctx.Err() == nil {
				r := env.Send(ctx, scan.Primary, scan.Request{Path: path, NoRetry: true, Note: "held slow request"})
				switch {
				case ctx.Err() != nil:
				case r.OverBudget():
					h.failed.Add(1)
					return
				case r.Throttled():
					h.throttled.Add(1)
					_ = scan.Sleep(ctx, scan.RetryAfter(r, time.Second))
				case r.Err != nil || r.Status >= 500:
					h.failed.Add(1)
				default:
					h.served.Add(1)
				}
			}
		})
	}
	return h, wg
}

// peerSamples sends env.Timing.Samples cheap GETs as the peer, one after
// another, until until (zero for no limit). It stops at once when the
// peer's p50 passes the degradation bound: that is the finding, no need
// to press on. A throttled peer makes the probe inconclusive.
func peerSamples(ctx context.Context, env *scan.Env, path string, until time.Time, note string) (samples, *scan.Outcome) {
	s := samples{statuses: map[int]int{}}
	timeout := 2 * env.Timing.NoisyHold
	for i := 0; i < env.Timing.Samples; i++ {
		if !until.IsZero() && time.Now().After(until) && len(s.lat)+s.failures >= minSamples {
			break
		}
		r := env.Send(ctx, scan.Peer, scan.Request{Path: path, NoRetry: true, Timeout: timeout, Note: note})
		switch {
		case r.OverBudget():
			o := scan.Inconclusivef("%s: %v", note, r.Err)
			return s, &o
		case r.Throttled():
			o := scan.Inconclusivef("%s: the peer was throttled (%d); cannot measure", note, r.Status)
			return s, &o
		case r.Err != nil || r.Status >= 500:
			s.failures++
			if s.first == "" {
				s.first = outcomeOf(r)
			}
		default:
			s.statuses[r.Status]++
			s.lat = append(s.lat, r.Latency)
		}
		if len(s.lat) >= minSamples && env.Baseline.Degraded(s.p(50)) {
			env.Budget.StopEarly(fmt.Sprintf("%s: peer p50 %s against a baseline of %s", note, s.p(50).Round(time.Millisecond), env.Baseline.Latency.Round(time.Millisecond)))
			break
		}
	}
	if len(s.lat) == 0 && s.failures == 0 {
		o := scan.Inconclusivef("%s: no sample taken", note)
		return s, &o
	}
	return s, nil
}
