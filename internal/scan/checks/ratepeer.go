package checks

import (
	"context"
	"fmt"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

// peerBudgetTries bounds the peer's probes before the burst: one, and one
// more after waiting out its own limit.
const peerBudgetTries = 2

// peerFallbackWait is the pause before probing the peer again when its
// answer said it had no budget but not when it would have.
const peerFallbackWait = time.Second

// peerBudget is what the peer's probe just before the burst showed. Only
// a peer that demonstrably had budget of its own can tell a shared limit
// from its own: earlier checks may have spent it.
type peerBudget struct {
	resp  scan.Response
	quota quota
	ok    bool   // a 2xx with requests left (or no headers to say otherwise)
	why   string // why the budget is unknown, when !ok
	waits []string
}

// probePeerBudget sends the peer one GET of path; when that shows no
// budget left, it waits the peer's own reset (within RetryMaxWait) and
// probes once more.
func probePeerBudget(ctx context.Context, env *scan.Env, path string) peerBudget {
	var pb peerBudget
	for try := 1; ; try++ {
		r := env.Send(ctx, scan.Peer, scan.Request{Path: path, NoRetry: true, Note: "peer budget before the burst"})
		pb.resp, pb.quota = r, readQuota(r.Header, time.Now())
		switch {
		case r.OverBudget():
			pb.why = r.Err.Error()
			return pb
		case r.OK() && pb.quota.remaining != 0:
			pb.ok = true
			return pb
		case !r.OK() && !r.Throttled():
			pb.why = fmt.Sprintf("GET %s as the peer → %s", path, statusOf(r))
			return pb
		}
		wait := peerWait(r, pb.quota)
		if try == peerBudgetTries || wait > env.Timing.RetryMaxWait {
			pb.why = noBudget(path, r, pb.quota, wait, env.Timing.RetryMaxWait, try)
			return pb
		}
		// Wait for the whole quota when the scan can afford it: one request
		// of budget would leave the verdict to the limiter's rounding.
		wait = max(wait, min(pb.quota.reset, env.Timing.RetryMaxWait))
		pb.waits = append(pb.waits, fmt.Sprintf("the peer's GET %s → %s (%s); waited %s", path, statusOf(r), pb.quota, wait))
		if err := scan.Sleep(ctx, wait); err != nil {
			pb.why = err.Error()
			return pb
		}
	}
}

// noBudget says why the peer's budget stayed unknown.
func noBudget(path string, r scan.Response, q quota, wait, maxWait time.Duration, try int) string {
	if try == peerBudgetTries {
		return fmt.Sprintf("GET %s as the peer → %s (%s) even after waiting", path, statusOf(r), q)
	}
	return fmt.Sprintf("GET %s as the peer → %s (%s); its own limit frees a request in %s, past the %s the scan waits",
		path, statusOf(r), q, wait, maxWait)
}

// peerWait is how long until the peer's own limit lets one request
// through: Retry-After, else the quota's reset, else a second.
func peerWait(r scan.Response, q quota) time.Duration {
	if d := scan.RetryAfter(r, -1); d >= 0 {
		return d
	}
	if q.reset >= 0 {
		return q.reset
	}
	return peerFallbackWait
}

// sharedVerdict classifies the peer's one request sent right after the
// primary was throttled, given its budget just before the burst: a 2xx
// shows per-identity limits; a 429 while the peer had budget shows a
// shared one, unless its RateLimit header shows the peer's own quota run
// out (a policy that had at most one request left before the burst).
func sharedVerdict(before peerBudget, after scan.Response) (finding.Status, string) {
	switch {
	case after.OverBudget():
		return finding.Inconclusive, "peer probe: " + after.Err.Error()
	case after.OK():
		return finding.Passed, ""
	case !after.Throttled():
		return finding.Inconclusive, "the peer's answer is neither a success nor throttling: " + statusOf(after)
	}
	q := readQuota(after.Header, time.Now())
	if q.remaining == 0 && q.policy != "" && q.policy == before.quota.policy && before.quota.remaining <= 1 {
		return finding.Inconclusive, fmt.Sprintf("the peer's %d names its own quota (%s), which had %d request left before the burst",
			after.Status, q, before.quota.remaining)
	}
	return finding.Failed, ""
}
