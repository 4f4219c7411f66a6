package checks

import (
	"context"
	"fmt"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
)

func runNoCert(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	return reachesApp(ctx, env, rule, scan.NoCert, "without a client certificate")
}

func runUntrusted(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	return reachesApp(ctx, env, rule, scan.Untrusted, "with a certificate from an untrusted CA")
}

func runExpired(ctx context.Context, env *scan.Env, rule finding.Rule) scan.Outcome {
	return reachesApp(ctx, env, rule, scan.Expired, "with an expired certificate")
}

// reachesApp GETs the cheapest path as id: a 2xx or 3xx answer means the
// request reached the app without a valid certificate.
func reachesApp(ctx context.Context, env *scan.Env, rule finding.Rule, id scan.Identity, how string) scan.Outcome {
	path := env.Baseline.Cheap
	r := env.Send(ctx, id, scan.Request{Path: path, Note: how})
	switch {
	case r.OverBudget():
		return scan.Inconclusivef("%v", r.Err)
	case r.Err != nil && refused(r.Err):
		return scan.Passf("GET %s %s: refused (%s)", path, how, short(r.Err))
	case r.Err != nil:
		return scan.Inconclusivef("GET %s %s: %s", path, how, short(r.Err))
	case r.Throttled():
		return scan.Inconclusivef("GET %s %s: throttled (%d)", path, how, r.Status)
	case r.Status >= 400:
		return scan.Passf("GET %s %s: answered %d", path, how, r.Status)
	}
	f := rule.NewFinding(
		fmt.Sprintf("GET %s %s → %d (%d bytes)", path, how, r.Status, len(r.Body)),
		fmt.Sprintf("GET %s with the primary certificate → %d", path, env.Baseline.Status),
	)
	f.Location = &finding.Location{Method: "GET", Path: path}
	return scan.Found("served "+how, f)
}

// short trims an error to its last, most specific part.
func short(err error) string {
	s := err.Error()
	if len(s) > 160 {
		s = s[len(s)-160:]
	}
	return s
}

// undecided says why a response decides nothing: the scan's budget or the
// target's throttling.
func undecided(r scan.Response) string {
	if r.Err != nil {
		return short(r.Err)
	}
	return fmt.Sprintf("throttled (%d, Retry-After %q)", r.Status, r.Header.Get("Retry-After"))
}
