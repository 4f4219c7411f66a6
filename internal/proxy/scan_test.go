package proxy_test

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/audit"
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
	"github.com/mtlsguard/mtlsguard/internal/scan"
	"github.com/mtlsguard/mtlsguard/internal/scan/checks"
	"github.com/mtlsguard/mtlsguard/internal/scan/target"
)

// TestScanThroughProxy scans the vulnerable test target twice: directly, and
// through mtlsguard proxy with a sensible config. The throttling, payload,
// spoofing, authorization and mTLS findings the first scan makes must be
// gone in the second, and so must the contract drift the proxy refuses with
// the target's own OpenAPI contract.
func TestScanThroughProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("two full scans take about 15 s")
	}
	tg, err := target.Start(target.Options{Plain: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	dir := t.TempDir()
	srvPair, err := tg.CA.Server("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"ca.crt": tg.CA.CertPEM(), "server.crt": srvPair.CertPEM, "server.key": srvPair.KeyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := target.WriteSpec(dir); err != nil {
		t.Fatal(err)
	}
	addr, _ := startFairProxy(t, dir, tg.URL, `timeouts: {read_header: 2s}
defaults: {rate: 10/s, burst: 20, max_inflight: 4, max_body: 256KiB}
groups:
  admins: {match: {ou: admins}}
routes:
  - path: /admin/
    allow: [admins]
upstream_capacity: {max_inflight: 4}
openapi: {spec: api.yaml, enforce: true}
`)
	spec, err := openapi.Parse("api.yaml", target.SpecYAML)
	if err != nil {
		t.Fatal(err)
	}
	// The direct scan sees the target without TLS, so it cannot speak to
	// the mTLS checks; it runs against the same app through a TLS-only
	// terminator: the target's own vulnerable TLS front.
	direct, err := target.Start(target.Vulnerable())
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	timing := scan.Timing{SlowHeaderHold: 4 * time.Second, SlowHeaderInterval: 250 * time.Millisecond, NoisyHold: time.Second, RetryMaxWait: 2 * time.Second, BaselineSamples: 1}
	cfg := func(url string, tg *target.Target) scan.Config {
		return scan.Config{
			Target: url,
			Certs: map[scan.Identity]tls.Certificate{
				scan.Primary: tg.Primary.TLSCertificate(), scan.Peer: tg.Peer.TLSCertificate(),
				scan.Low: tg.Low.TLSCertificate(), scan.Expired: tg.Expired.TLSCertificate(),
			},
			RootCAs:  tg.CA.Pool(),
			Contract: scan.NewContract(spec, audit.Audit(spec)),
			Timing:   timing,
			Checks:   checks.Runtime(),
		}
	}
	before, err := scan.Run(context.Background(), cfg(direct.URL, direct))
	if err != nil {
		t.Fatal(err)
	}
	after, err := scan.Run(context.Background(), cfg("https://"+addr, tg))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("before: score %d %s, %d findings; after: score %d %s, %d findings, %d requests",
		before.Score, before.Grade, len(before.Findings), after.Score, after.Grade, len(after.Findings), after.Budget.Requests)
	gone := []string{
		"MTLS-NO-CERT", "MTLS-UNTRUSTED-CA", "MTLS-EXPIRED-CERT", "TLS-LEGACY-VERSION", "TLS-WEAK-CIPHER",
		"ID-SPOOFABLE-HEADER", "RATE-NO-LIMIT", "CONC-NOISY-NEIGHBOR",
		"BODY-NO-LIMIT", "JSON-DEPTH-CRASH", "XML-ENTITY-EXPANSION", "HDR-NO-LIMIT", "SLOW-LORIS", "AUTHZ-BFLA",
		"BODY-SPEC-DRIFT",
	}
	for _, id := range gone {
		if st := status(before, id); st != finding.Failed {
			t.Errorf("%s directly: %s, want failed (the target is vulnerable)", id, st)
		}
		st, reason := statusReason(after, id)
		if st != finding.Passed {
			t.Errorf("%s through the proxy: %s (%s), want passed", id, st, reason)
		}
	}
	for _, f := range after.Findings {
		t.Logf("after: %s %s %v %s", f.ID, f.Severity, f.Location, f.Evidence)
	}
	if after.Score <= before.Score {
		t.Errorf("score through the proxy %d, directly %d", after.Score, before.Score)
	}
}

func status(r *finding.Report, id string) finding.Status {
	s, _ := statusReason(r, id)
	return s
}

func statusReason(r *finding.Report, id string) (finding.Status, string) {
	for _, c := range r.Checks {
		if c.ID == id {
			return c.Status, c.Reason
		}
	}
	return "absent", ""
}
