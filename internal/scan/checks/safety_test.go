package checks_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/scan"
	"github.com/mtlsguard/mtlsguard/internal/scan/target"
)

// TestThrottledProbesAreInconclusive: a target that throttles the primary
// identity with a long Retry-After makes every probe inconclusive, never
// a finding and never a pass.
func TestThrottledProbesAreInconclusive(t *testing.T) {
	o := target.Vulnerable()
	o.Rate, o.RateBurst, o.RatePerSecond, o.RetryAfter = target.PerIdentity, 3, 0.05, true
	tg := startTarget(t, o)
	ids := []string{"ID-SPOOFABLE-HEADER", "BODY-NO-LIMIT", "BODY-SPEC-DRIFT", "JSON-DEPTH-CRASH", "XML-ENTITY-EXPANSION", "HDR-NO-LIMIT"}
	rep := run(t, config(t, tg, ids...))
	for _, id := range ids {
		if c := checkResult(t, rep, id); c.Status != finding.Inconclusive || c.Findings != 0 {
			t.Errorf("%s: %s with %d findings (%s); want inconclusive", id, c.Status, c.Findings, c.Reason)
		}
	}
	// Retry-After: 20 means the scan must not have pressed on: a handful
	// of requests past the baseline at most.
	if n := len(tg.Requests()); n > 12 {
		t.Errorf("target got %d requests after asking for a 20 s pause", n)
	}
}

func TestBudgetExhaustedIsInconclusive(t *testing.T) {
	tg := startTarget(t, target.Vulnerable())
	ids := []string{"MTLS-NO-CERT", "HDR-NO-LIMIT", "BODY-NO-LIMIT", "RATE-NO-LIMIT"}
	cfg := config(t, tg, ids...)
	cfg.Limits.MaxRequests = 5 // the baseline's five GETs
	rep := run(t, cfg)
	for _, id := range ids {
		c := checkResult(t, rep, id)
		if c.Status != finding.Inconclusive || !strings.Contains(c.Reason, "scan budget exhausted") {
			t.Errorf("%s: %s (%s); want inconclusive for the budget", id, c.Status, c.Reason)
		}
	}
	if rep.Budget.Requests != 5 || len(tg.Requests()) != 5 {
		t.Errorf("budget counted %d, target got %d; want 5 and 5", rep.Budget.Requests, len(tg.Requests()))
	}
}

// TestPassiveSendsOnlyGET: under --passive the active checks are skipped
// and the target sees nothing but GET requests.
func TestPassiveSendsOnlyGET(t *testing.T) {
	tg := startTarget(t, target.Vulnerable())
	cfg := fullConfig(t, tg, fastTiming)
	cfg.Passive = true
	rep := run(t, cfg)
	for _, r := range tg.Requests() {
		if r.Method != "GET" {
			t.Errorf("passive scan sent %s %s", r.Method, r.Path)
		}
	}
	wantFailed := []string{"MTLS-NO-CERT", "MTLS-UNTRUSTED-CA", "MTLS-EXPIRED-CERT", "TLS-LEGACY-VERSION", "TLS-WEAK-CIPHER", "ID-SPOOFABLE-HEADER", "AUTHZ-BFLA", "SPEC-NO-429"}
	for _, id := range wantFailed {
		if c := checkResult(t, rep, id); c.Status != finding.Failed {
			t.Errorf("%s: %s (%s), want failed", id, c.Status, c.Reason)
		}
	}
	for _, id := range []string{"RATE-NO-LIMIT", "CONC-NOISY-NEIGHBOR", "BODY-NO-LIMIT", "JSON-DEPTH-CRASH", "SLOW-LORIS", "HDR-NO-LIMIT"} {
		if c := checkResult(t, rep, id); c.Status != finding.Skipped || !strings.Contains(c.Reason, "--passive") {
			t.Errorf("%s: %s (%s), want skipped for --passive", id, c.Status, c.Reason)
		}
	}
	if fs := findingsOf(rep, "AUTHZ-BFLA"); len(fs) != 1 || fs[0].Location.Path != "/admin/users" {
		t.Errorf("passive AUTHZ-BFLA findings %+v; want GET /admin/users only", fs)
	}
}

// TestLoadProbesStopOnDegradation: a target whose latency collapses under
// the burst stops the burst early (inconclusive, noted in the budget); the
// noisy-neighbour probe, whose purpose is that degradation, reports it and
// stops at once.
func TestLoadProbesStopOnDegradation(t *testing.T) {
	t.Run("burst", func(t *testing.T) {
		o := target.Vulnerable()
		o.CollapseAfter, o.Collapse = 10, 150*time.Millisecond
		tg := startTarget(t, o)
		cfg := config(t, tg, "RATE-NO-LIMIT")
		cfg.Timing.DegradeFloor = 100 * time.Millisecond
		rep := run(t, cfg)
		c := checkResult(t, rep, "RATE-NO-LIMIT")
		if c.Status != finding.Inconclusive || !strings.Contains(c.Reason, "degraded") || c.Requests >= 80 {
			t.Errorf("RATE-NO-LIMIT: %s after %d requests (%s); want inconclusive, degraded, fewer than 80", c.Status, c.Requests, c.Reason)
		}
		if !strings.HasPrefix(rep.Budget.StoppedEarly, "burst on /") {
			t.Errorf("budget.stopped_early = %q", rep.Budget.StoppedEarly)
		}
	})
	t.Run("noisy neighbour", func(t *testing.T) {
		tg := startTarget(t, target.Vulnerable())
		cfg := config(t, tg, "CONC-NOISY-NEIGHBOR")
		cfg.Timing.DegradeFloor = 100 * time.Millisecond
		rep := run(t, cfg)
		fs := findingsOf(rep, "CONC-NOISY-NEIGHBOR")
		if len(fs) != 1 || !regexp.MustCompile(`during: p50 \d+ms, p99 \d+ms, 0 failed of 3$`).MatchString(fs[0].Evidence[2]) {
			t.Fatalf("findings %+v; want one, stopped after 3 samples", fs)
		}
		if !strings.HasPrefix(rep.Budget.StoppedEarly, "peer during: peer p50") {
			t.Errorf("budget.stopped_early = %q", rep.Budget.StoppedEarly)
		}
	})
}

// TestWithoutSpec: with only --path entries, the checks that need a spec
// are skipped and say so, and the others aim at the given paths.
func TestWithoutSpec(t *testing.T) {
	tg := startTarget(t, target.Vulnerable())
	cfg := config(t, tg, "ID-SPOOFABLE-HEADER", "AUTHZ-BFLA", "BODY-SPEC-DRIFT", "SPEC-NO-429", "JSON-DEPTH-CRASH", "XML-ENTITY-EXPANSION")
	cfg.Contract = nil
	cfg.Paths = []string{"/items", "/whoami", "/admin/users"}
	rep := run(t, cfg)
	want := map[string]finding.Status{
		"ID-SPOOFABLE-HEADER": finding.Failed, "AUTHZ-BFLA": finding.Failed, "JSON-DEPTH-CRASH": finding.Failed,
		"BODY-SPEC-DRIFT": finding.Skipped, "SPEC-NO-429": finding.Skipped, "XML-ENTITY-EXPANSION": finding.Skipped,
	}
	for id, st := range want {
		if c := checkResult(t, rep, id); c.Status != st {
			t.Errorf("%s: %s (%s), want %s", id, c.Status, c.Reason, st)
		}
	}
	if fs := findingsOf(rep, "AUTHZ-BFLA"); len(fs) != 1 || fs[0].Location.Path != "/admin/users" {
		t.Errorf("AUTHZ-BFLA findings %+v, want GET /admin/users", fs)
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, n := range []string{"BODY-SPEC-DRIFT skipped: needs an OpenAPI spec (--spec)", "SPEC-NO-429 skipped: needs an OpenAPI spec (--spec)"} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes lack %q:\n%s", n, notes)
		}
	}
}

// TestMissingIdentitiesAreNoted: without peer, low and expired identities
// their checks are skipped, with the flags to pass in the report's notes.
func TestMissingIdentitiesAreNoted(t *testing.T) {
	tg := startTarget(t, target.Vulnerable())
	cfg := config(t, tg, "MTLS-EXPIRED-CERT", "RATE-SHARED-LIMIT", "AUTHZ-BFLA")
	delete(cfg.Certs, scan.Peer)
	delete(cfg.Certs, scan.Low)
	delete(cfg.Certs, scan.Expired)
	rep := run(t, cfg)
	want := []string{
		"MTLS-EXPIRED-CERT skipped: needs an expired certificate from the server's CA (--ca-key, or --expired-cert/--expired-key)",
		"RATE-SHARED-LIMIT skipped: needs a second identity (--peer-cert/--peer-key)",
		"AUTHZ-BFLA skipped: needs a low-privilege identity (--low-cert/--low-key)",
	}
	if !slices.Equal(rep.Notes, want) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(rep.Notes, "\n"), strings.Join(want, "\n"))
	}
	if len(tg.Requests()) != 5 {
		t.Errorf("target got %d requests, want only the baseline's 5", len(tg.Requests()))
	}
}
