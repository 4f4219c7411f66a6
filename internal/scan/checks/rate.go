package checks

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

const (
	burstWorkers   = 4 // requests of the burst in flight at once
	burstThrottled = 3 // throttled answers that end the burst: the limit is shown
)

// burstResult is the one burst the three RATE checks share.
type burstResult struct {
	path      string
	sent      int
	statuses  map[int]int
	throttled []scan.Response // the throttling answers, in order of arrival
	firstAt   int             // requests sent when the first throttling answer came; 0 for none
	errors    int
	elapsed   time.Duration
	stopped   string // why the burst ended before its size, if it did

	peerBefore peerBudget    // the peer's budget just before the burst
	peerAfter  scan.Response // the peer's one request right after the primary was throttled
	peerSent   bool          // whether peerAfter was sent
}

// burst runs (once per scan) a bounded burst of the cheapest GET as the
// primary identity, stopping at the first few throttling answers. With a
// peer, it first makes sure the peer has budget of its own and, once the
// primary is throttled, sends the peer one request at once.
func burst(ctx context.Context, env *scan.Env) *burstResult {
	return env.Once("rate-burst", func() any { return runBurst(ctx, env) }).(*burstResult)
}

func runBurst(ctx context.Context, env *scan.Env) *burstResult {
	b := &burstResult{path: env.Baseline.Cheap, statuses: map[int]int{}}
	if env.Has(scan.Peer) {
		b.peerBefore = probePeerBudget(ctx, env, b.path)
	}
	var (
		mu   sync.Mutex
		lat  []time.Duration
		next atomic.Int64
		wg   sync.WaitGroup
	)
	burstCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	for range burstWorkers {
		wg.Go(func() {
			for next.Add(1) <= int64(env.Timing.Burst) && burstCtx.Err() == nil {
				r := env.Send(burstCtx, scan.Primary, scan.Request{Path: b.path, NoRetry: true, Note: "burst"})
				mu.Lock()
				if stop := b.add(r, env, &lat); stop != "" {
					b.stopped = stop
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.elapsed = time.Since(start)
	if len(b.throttled) > 0 && b.peerBefore.ok {
		b.peerAfter = env.Send(ctx, scan.Peer, scan.Request{Path: b.path, NoRetry: true, Note: "peer after primary throttled"})
		b.peerSent = true
	}
	return b
}

// add counts one answer of the burst and says why to stop, if it should.
func (b *burstResult) add(r scan.Response, env *scan.Env, lat *[]time.Duration) string {
	if r.OverBudget() {
		return r.Err.Error()
	}
	b.sent++
	switch {
	case r.Err != nil:
		b.errors++
		return ""
	case r.Throttled():
		if b.firstAt == 0 {
			b.firstAt = b.sent
		}
		b.throttled = append(b.throttled, r)
		if len(b.throttled) >= burstThrottled {
			return "throttled"
		}
	}
	b.statuses[r.Status]++
	*lat = append(*lat, r.Latency)
	if len(*lat)%10 == 0 {
		if p50 := scan.Percentile((*lat)[len(*lat)-10:], 50); env.Baseline.Degraded(p50) {
			reason := fmt.Sprintf("burst on %s: p50 %s against a baseline of %s", b.path, p50.Round(time.Millisecond), env.Baseline.Latency.Round(time.Millisecond))
			env.Budget.StopEarly(reason)
			return "degraded: " + reason
		}
	}
	return ""
}

func (b *burstResult) summary() string {
	codes := make([]int, 0, len(b.statuses))
	for c := range b.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, 0, len(codes)+1)
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", b.statuses[c], c))
	}
	if b.errors > 0 {
		parts = append(parts, fmt.Sprintf("%d errors", b.errors))
	}
	rps := float64(b.sent) / max(b.elapsed.Seconds(), 0.001)
	return fmt.Sprintf("%d GET %s in %.2f s (%.0f/s) as one identity: %s", b.sent, b.path, b.elapsed.Seconds(), rps, strings.Join(parts, ", "))
}

func runNoLimit(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	b := burst(ctx, env)
	switch {
	case len(b.throttled) > 0:
		return scan.Passf("throttled (%d) after %d requests", b.throttled[0].Status, b.firstAt)
	case strings.HasPrefix(b.stopped, "degraded"), b.sent < env.Timing.Burst:
		return scan.Inconclusivef("burst stopped after %d of %d requests: %s", b.sent, env.Timing.Burst, b.stopped)
	case b.errors*2 > b.sent:
		return scan.Inconclusivef("%d of %d burst requests failed", b.errors, b.sent)
	}
	f := rule.NewFinding(b.summary(), "no 429 and no 503 with Retry-After")
	f.Location = &finding.Location{Method: "GET", Path: b.path}
	return scan.Found(b.summary(), f)
}

func runShared(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	b := burst(ctx, env)
	switch {
	case len(b.throttled) == 0:
		return scan.Skipf("the primary identity was never throttled, so there is no limit to share")
	case !b.peerBefore.ok:
		return scan.Inconclusivef("the peer had no budget of its own before the burst: %s", b.peerBefore.why)
	case !b.peerSent:
		return scan.Inconclusivef("the peer's request after the burst was not sent")
	}
	before := fmt.Sprintf("before the burst the peer's GET %s → %s (%s)", b.path, statusOf(b.peerBefore.resp), b.peerBefore.quota)
	after := fmt.Sprintf("the peer's next GET %s → %s (%s)", b.path, statusOf(b.peerAfter), readQuota(b.peerAfter.Header, time.Now()))
	status, why := sharedVerdict(b.peerBefore, b.peerAfter)
	switch status {
	case finding.Passed:
		return scan.Passf("primary throttled after %d requests; the peer's next GET %s → %s", b.firstAt, b.path, statusOf(b.peerAfter))
	case finding.Inconclusive:
		return scan.Inconclusivef("%s; %s", why, after)
	}
	primary := b.throttled[0]
	evidence := []string{
		fmt.Sprintf("the primary identity was throttled after %d requests", b.firstAt),
		fmt.Sprintf("the primary's GET %s → %d (%s)", b.path, primary.Status, readQuota(primary.Header, time.Now())),
	}
	evidence = append(evidence, b.peerBefore.waits...)
	evidence = append(evidence, before, after)
	f := rule.NewFinding(evidence...)
	f.Location = &finding.Location{Method: "GET", Path: b.path}
	return scan.Found(after, f)
}

// backoffHeaders tell a client when to come back.
var backoffHeaders = []string{"Retry-After", "RateLimit", "RateLimit-Reset", "X-RateLimit-Reset"}

func runRetryAfter(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	b := burst(ctx, env)
	if len(b.throttled) == 0 {
		return scan.Skipf("the primary identity was never throttled, so there was no 429 to read")
	}
	for _, r := range b.throttled {
		for _, h := range backoffHeaders {
			if v := r.Header.Get(h); v != "" {
				return scan.Passf("%d carries %s: %s", r.Status, h, v)
			}
		}
	}
	r := b.throttled[0]
	f := rule.NewFinding(
		fmt.Sprintf("GET %s throttled with %d after %d requests", b.path, r.Status, b.firstAt),
		fmt.Sprintf("none of %d throttling answers carried %s", len(b.throttled), strings.Join(backoffHeaders, ", ")),
	)
	f.Location = &finding.Location{Method: "GET", Path: b.path}
	return scan.Found("no Retry-After", f)
}

func statusOf(r scan.Response) string {
	if r.Err != nil {
		return "error"
	}
	return fmt.Sprint(r.Status)
}
