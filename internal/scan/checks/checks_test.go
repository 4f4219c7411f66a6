package checks_test

import (
	"context"
	"crypto/tls"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
	"github.com/mtlsguard/mtlsguard/internal/scan"
	"github.com/mtlsguard/mtlsguard/internal/scan/checks"
	"github.com/mtlsguard/mtlsguard/internal/scan/target"
)

// fastTiming shrinks the probes that wait so the suite stays quick.
var fastTiming = scan.Timing{
	SlowHeaderHold:     2500 * time.Millisecond,
	SlowHeaderInterval: 200 * time.Millisecond,
	NoisyHold:          time.Second,
	RetryMaxWait:       2 * time.Second,
	BaselineSamples:    1,
}

func contract(t *testing.T) *scan.Contract {
	t.Helper()
	spec, err := openapi.Parse("api.yaml", target.SpecYAML)
	if err != nil {
		t.Fatalf("parse target spec: %v", err)
	}
	return scan.NewContract(spec, nil)
}

func startTarget(t *testing.T, opts target.Options) *target.Target {
	t.Helper()
	tg, err := target.Start(opts)
	if err != nil {
		t.Fatalf("start target: %v", err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	return tg
}

// hardened is the hardened target with a header timeout short enough for
// the shrunk slow-header probe, and a rate limit low enough that even a
// burst slowed down by a loaded machine (-race, 2 cores) passes it.
func hardened() target.Options {
	o := target.Hardened()
	o.ReadHeaderTimeout = 500 * time.Millisecond
	o.RatePerSecond, o.RateBurst = 10, 30
	return o
}

func config(t *testing.T, tg *target.Target, ids ...string) scan.Config {
	t.Helper()
	sel, err := checks.Select(checks.All(), ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	return scan.Config{
		Target: tg.URL,
		Certs: map[scan.Identity]tls.Certificate{
			scan.Primary: tg.Primary.TLSCertificate(), scan.Peer: tg.Peer.TLSCertificate(),
			scan.Low: tg.Low.TLSCertificate(), scan.Expired: tg.Expired.TLSCertificate(),
		},
		RootCAs:  tg.CA.Pool(),
		Contract: contract(t),
		Timing:   fastTiming,
		Checks:   sel,
	}
}

func run(t *testing.T, cfg scan.Config) *finding.Report {
	t.Helper()
	rep, err := scan.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return rep
}

func checkResult(t *testing.T, rep *finding.Report, id string) finding.CheckResult {
	t.Helper()
	for _, c := range rep.Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check result for %s in %+v", id, rep.Checks)
	return finding.CheckResult{}
}

func findingsOf(rep *finding.Report, id string) []finding.Finding {
	var fs []finding.Finding
	for _, f := range rep.Findings {
		if f.ID == id {
			fs = append(fs, f)
		}
	}
	return fs
}

// want is what one check must conclude on one target.
type want struct {
	status   finding.Status
	findings int
	severity finding.Severity
	evidence []string // regexps, each matching some evidence line of the first finding
	reason   string   // regexp on the check's reason
	path     string   // Location.Path of the first finding
}

func TestChecks(t *testing.T) {
	shared := target.Vulnerable()
	shared.Rate, shared.RateBurst, shared.RatePerSecond = target.Shared, 20, 2
	cases := []struct {
		id   string
		opts target.Options
		want want
	}{
		{"MTLS-NO-CERT", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.Critical,
			evidence: []string{`^GET /\S+ without a client certificate → 200 \(\d+ bytes\)$`}}},
		{"MTLS-NO-CERT", hardened(), want{status: finding.Passed, reason: `without a client certificate: refused`}},
		{"MTLS-UNTRUSTED-CA", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.Critical,
			evidence: []string{`with a certificate from an untrusted CA → 200`}}},
		{"MTLS-UNTRUSTED-CA", hardened(), want{status: finding.Passed, reason: `untrusted CA: refused`}},
		{"MTLS-EXPIRED-CERT", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.High,
			evidence: []string{`with an expired certificate → 200`}}},
		{"MTLS-EXPIRED-CERT", hardened(), want{status: finding.Passed, reason: `expired certificate: refused`}},
		{"TLS-LEGACY-VERSION", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.Medium,
			evidence: []string{`^TLS 1\.0 handshake completed with TLS_ECDHE_ECDSA_WITH_`, `^TLS 1\.1 handshake completed with TLS_ECDHE_ECDSA_WITH_`}}},
		{"TLS-LEGACY-VERSION", hardened(), want{status: finding.Passed, reason: `^TLS 1.0 and 1.1 handshakes refused$`}},
		{"TLS-WEAK-CIPHER", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.Medium,
			evidence: []string{`^TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA accepted \(TLS 1\.2\)$`, `^TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA accepted`, `^TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 accepted`}}},
		{"TLS-WEAK-CIPHER", hardened(), want{status: finding.Passed, reason: `no NULL, RC4, 3DES or CBC suite accepted`}},
		{"ID-SPOOFABLE-HEADER", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.Critical, path: "/whoami",
			evidence: []string{`^GET /whoami → 200 \{"cn":"alice"\}$`, `claiming "admin" → 200 \{"cn":"admin"\}$`,
				`^X-SSL-Client-CN: admin alone changes the answer`, `^X_SSL_CLIENT_CN: admin alone`, `^SSL_CLIENT_S_DN_CN: admin alone`, `^SSL-Client-S-DN-CN: admin alone`}}},
		{"ID-SPOOFABLE-HEADER", hardened(), want{status: finding.Passed, reason: `identity headers changed nothing on .*/whoami`}},
		{"RATE-NO-LIMIT", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.High,
			evidence: []string{`^80 GET /\S+ in [\d.]+ s \(\d+/s\) as one identity: 80×200$`}}},
		{"RATE-NO-LIMIT", hardened(), want{status: finding.Passed, reason: `^throttled \(429\) after \d+ requests$`}},
		{"RATE-SHARED-LIMIT", shared, want{status: finding.Failed, findings: 1, severity: finding.Medium,
			evidence: []string{`^the primary identity was throttled after \d+ requests$`, `^before the burst the peer's GET /\S+ → 200 \(no rate-limit headers\)$`, `^the peer's next GET /\S+ → 429 \(no rate-limit headers\)$`}}},
		{"RATE-SHARED-LIMIT", hardened(), want{status: finding.Passed, reason: `the peer's next GET /\S+ → 200$`}},
		{"RATE-SHARED-LIMIT", target.Vulnerable(), want{status: finding.Skipped, reason: `never throttled`}},
		{"RATE-NO-RETRY-AFTER", shared, want{status: finding.Failed, findings: 1, severity: finding.Low,
			evidence: []string{`^GET /\S+ throttled with 429 after \d+ requests$`, `^none of 3 throttling answers carried Retry-After`}}},
		{"RATE-NO-RETRY-AFTER", hardened(), want{status: finding.Passed, reason: `^429 carries Retry-After: \d+$`}},
		{"CONC-NOISY-NEIGHBOR", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.High, path: "/slow",
			evidence: []string{`^primary held 8 GET /slow at once for up to 1s: \d+ served, 0 throttled, 0 failed$`, `^peer GET /\S+ during: p50 \d+ms`}}},
		{"CONC-NOISY-NEIGHBOR", hardened(), want{status: finding.Passed, reason: `^peer p50 .* before, p50 .* during$`}},
		{"BODY-NO-LIMIT", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.Medium, path: "/items",
			evidence: []string{`^POST /items accepted every body up to 8 MiB`}}},
		{"BODY-NO-LIMIT", hardened(), want{status: finding.Passed, reason: `^POST /items: accepted 1 MiB, refused 8 MiB with 413$`}},
		{"BODY-SPEC-DRIFT", target.Vulnerable(), want{status: finding.Failed, findings: 10, severity: finding.Medium, path: "/items",
			evidence: []string{`^spec allows maxLength 32 for name; server took 33$`, `^POST /items → 201`}}},
		{"BODY-SPEC-DRIFT", hardened(), want{status: finding.Passed, reason: `^all 10 over-limit bodies refused$`}},
		{"JSON-DEPTH-CRASH", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.High, path: "/items",
			evidence: []string{`^POST /items with JSON nested 1500 deep → 500 RecursionError`, `^POST /items with JSON nested 12000 deep → 500`}}},
		{"JSON-DEPTH-CRASH", hardened(), want{status: finding.Passed, reason: `^POST /items: 1500 deep → 400, 12000 deep → 400$`}},
		{"XML-ENTITY-EXPANSION", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.High, path: "/import",
			evidence: []string{`^POST /import with <!DOCTYPE`, `^entity expanded: the answer carries the entity's text four times$`}}},
		{"XML-ENTITY-EXPANSION", hardened(), want{status: finding.Passed, reason: `^POST /import refused a DTD with an entity \(400\)$`}},
		{"HDR-NO-LIMIT", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.Low,
			evidence: []string{`^GET /\S+ with one 128 KiB header → 200$`, `^GET /\S+ with one 512 KiB header → 200$`}}},
		{"HDR-NO-LIMIT", hardened(), want{status: finding.Passed, reason: `^GET /\S+ with a 128 KiB header → 431$`}},
		{"SLOW-LORIS", target.Vulnerable(), want{status: finding.Failed, findings: 1, severity: finding.Medium,
			evidence: []string{`connection still open after 2.5s`}}},
		{"SLOW-LORIS", hardened(), want{status: finding.Passed, reason: `^the server closed the connection after`}},
		{"AUTHZ-BFLA", target.Vulnerable(), want{status: finding.Failed, findings: 2, severity: finding.High, path: "/admin/reset",
			evidence: []string{`^POST /admin/reset as the low-privilege identity → 200 \{"reset":true\}$`}}},
		{"AUTHZ-BFLA", hardened(), want{status: finding.Passed, reason: `^refused: POST /admin/reset → 403, GET /admin/users → 403$`}},
	}
	for _, tc := range cases {
		name := tc.id + "/" + string(tc.want.status)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tg := startTarget(t, tc.opts)
			rep := run(t, config(t, tg, tc.id))
			assertCheck(t, rep, tc.id, tc.want)
		})
	}
}

func assertCheck(t *testing.T, rep *finding.Report, id string, w want) {
	t.Helper()
	res := checkResult(t, rep, id)
	fs := findingsOf(rep, id)
	if res.Status != w.status || len(fs) != w.findings {
		t.Fatalf("%s: status %s with %d findings (reason %q); want %s with %d\nfindings: %+v", id, res.Status, len(fs), res.Reason, w.status, w.findings, fs)
	}
	if w.reason != "" && !regexp.MustCompile(w.reason).MatchString(res.Reason) {
		t.Errorf("%s: reason %q does not match %q", id, res.Reason, w.reason)
	}
	if len(fs) == 0 {
		return
	}
	f := fs[0]
	if f.Severity != w.severity || !strings.HasPrefix(f.Category, "API") {
		t.Errorf("%s: severity %s category %q; want %s and an OWASP category", id, f.Severity, f.Category, w.severity)
	}
	if w.path != "" && (f.Location == nil || f.Location.Path != w.path) {
		t.Errorf("%s: location %+v; want path %s", id, f.Location, w.path)
	}
	for _, re := range w.evidence {
		rx := regexp.MustCompile(re)
		if !slices.ContainsFunc(f.Evidence, rx.MatchString) {
			t.Errorf("%s: no evidence line matches %q in\n  %s", id, re, strings.Join(f.Evidence, "\n  "))
		}
	}
}
