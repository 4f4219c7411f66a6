package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Rules of the sample registry. EXPERIMENTAL-PROBE is deliberately absent:
// a finding names it, and SARIF must append a rule for it.
var (
	ruleSpoof = finding.Rule{
		ID: "ID-SPOOFABLE-HEADER", Title: "Client-sent identity headers reach the app", Category: "API2:2023",
		Severity: finding.Critical, Kind: "active",
		Description: "The app trusts identity headers that the client itself can send.",
		Remediation: finding.Remediation{
			Django:    "Read the identity from request.META set by the proxy only; drop HTTP_X_SSL_CLIENT_* in middleware.",
			Nginx:     "proxy_set_header X-SSL-Client-CN $ssl_client_s_dn_cn;",
			Mtlsguard: "identity:\n  strip_client_headers: true",
		},
	}
	ruleRate = finding.Rule{
		ID: "RATE-NO-LIMIT", Title: "One identity is never throttled", Category: "API4:2023",
		Severity: finding.High, Kind: "active",
		Description: "A bounded burst from one client certificate got no 429.",
		Remediation: finding.Remediation{
			Django:    "@ratelimit(key='header:x-ssl-client-cn', rate='10/s')",
			Nginx:     "limit_req_zone $ssl_client_s_dn zone=id:10m rate=10r/s;",
			Mtlsguard: "limits:\n  rate: 10/s",
		},
	}
	ruleDepth = finding.Rule{
		ID: "JSON-DEPTH-CRASH", Title: "Deeply nested JSON crashes the app", Category: "API4:2023",
		Severity: finding.High, Kind: "active", Description: "Nested JSON past the parser's depth gives a 5xx.",
		Remediation: finding.Remediation{Mtlsguard: "inspect:\n  json:\n    max_depth: 64"},
	}
	ruleMaxLen = finding.Rule{
		ID: "SPEC-STRING-MAXLENGTH", Title: "String without maxLength", Category: "API4:2023",
		Severity: finding.Medium, Kind: "static", Description: "A request string has no maxLength, enum or const.",
		Remediation: finding.Remediation{Django: "CharField(max_length=...)", Mtlsguard: "openapi:\n  enforce: true"},
	}
	ruleNoSec = finding.Rule{
		ID: "SPEC-NO-SECURITY", Title: "No mutualTLS security scheme", Category: "API8:2023",
		Severity: finding.Info, Kind: "static", Description: "The spec declares no mutualTLS scheme.",
	}
	ruleNoCert  = finding.Rule{ID: "MTLS-NO-CERT", Title: "Requests without a certificate reach the app", Category: "API8:2023", Severity: finding.Critical, Kind: "passive"}
	ruleShared  = finding.Rule{ID: "RATE-SHARED-LIMIT", Title: "Identities share one limit", Category: "API4:2023", Severity: finding.Medium, Kind: "active"}
	ruleNoisy   = finding.Rule{ID: "CONC-NOISY-NEIGHBOR", Title: "One identity slows the others", Category: "API4:2023", Severity: finding.High, Kind: "active"}
	ruleBFLA    = finding.Rule{ID: "AUTHZ-BFLA", Title: "Low-privilege identity reaches admin operations", Category: "API5:2023", Severity: finding.High, Kind: "active"}
	ruleLoris   = finding.Rule{ID: "SLOW-LORIS", Title: "Slow headers are held open", Category: "API4:2023", Severity: finding.Medium, Kind: "active"}
	sampleRules = []finding.Rule{ruleNoCert, ruleSpoof, ruleRate, ruleShared, ruleNoisy, ruleDepth, ruleLoris, ruleBFLA, ruleMaxLen, ruleNoSec}
)

// sampleReport is a fixed, rich report: every severity, static findings with
// file:line (two of one rule), runtime findings without a file, a finding
// whose rule is not in Rules, evidence that needs escaping in every format,
// and checks that passed, failed, were skipped, inconclusive and errored.
func sampleReport() *finding.Report {
	spec := "specs/api.yaml"
	withLoc := func(f finding.Finding, l finding.Location) finding.Finding { f.Location = &l; return f }
	r := &finding.Report{
		Tool: "mtlsguard", Version: "1.2.3", Target: "https://127.0.0.1:8443", Spec: spec,
		StartedAt: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC), Duration: 12.345,
		Rules: sampleRules,
		Findings: []finding.Finding{
			withLoc(ruleMaxLen.NewFinding("schema property name: type string, no maxLength"),
				finding.Location{File: spec, Line: 42, Column: 11, Pointer: "/paths/~1users/post/requestBody/content/application~1json/schema/properties/name", Method: "POST", Path: "/users"}),
			withLoc(ruleRate.NewFinding("sent 200 GET /health in 2.1s from CN=client-a", "answers: 200×200, no 429, no RateLimit header"),
				finding.Location{Method: "GET", Path: "/health"}),
			withLoc(ruleSpoof.NewFinding(
				`sent X-SSL-Client-CN: admin & X_SSL_Client_CN: "admin" as CN=client-a`,
				`the app answered: <script>alert('pwned')</script> & welcome admin`),
				finding.Location{Method: "GET", Path: "/whoami"}),
			ruleDepth.NewFinding("depth 1,001: 500 Internal Server Error", "body began: \x1b[31mRecursionError\x1b[0m\tat depth 998"),
			{
				ID: "EXPERIMENTAL-PROBE", Severity: finding.Low, Category: "API4:2023", Title: "Probe outside the registry",
				Evidence: []string{"response header Server: Werkzeug/3.0 <dev>"},
			},
			withLoc(ruleMaxLen.NewFinding("schema property bio: type string, no maxLength"),
				finding.Location{File: spec, Line: 57, Column: 13, Pointer: "/paths/~1users/post/requestBody/content/application~1json/schema/properties/bio", Method: "POST", Path: "/users"}),
			withLoc(ruleNoSec.NewFinding("components.securitySchemes has no type: mutualTLS"), finding.Location{File: spec}),
		},
		Checks: []finding.CheckResult{
			{ID: "MTLS-NO-CERT", Title: ruleNoCert.Title, Status: finding.Passed, Reason: "handshake without a certificate refused", Requests: 1, Seconds: 0.012},
			{ID: "ID-SPOOFABLE-HEADER", Title: ruleSpoof.Title, Status: finding.Failed, Findings: 1, Requests: 8, Seconds: 0.25},
			{ID: "RATE-NO-LIMIT", Title: ruleRate.Title, Status: finding.Failed, Findings: 1, Requests: 200, Seconds: 2.1},
			{ID: "RATE-SHARED-LIMIT", Title: ruleShared.Title, Status: finding.Skipped, Reason: "needs a second identity: pass --peer-cert and --peer-key"},
			{ID: "CONC-NOISY-NEIGHBOR", Title: ruleNoisy.Title, Status: finding.Inconclusive, Reason: "target throttled the probe: 429 with Retry-After: 30", Requests: 40, Seconds: 3.5},
			{ID: "JSON-DEPTH-CRASH", Title: ruleDepth.Title, Status: finding.Failed, Findings: 1, Requests: 6, Seconds: 0.8},
			{ID: "SLOW-LORIS", Title: ruleLoris.Title, Status: finding.Errored, Reason: "dial tcp 127.0.0.1:8443: connect: connection refused", Seconds: 0.001},
			{ID: "AUTHZ-BFLA", Title: ruleBFLA.Title, Status: finding.Skipped, Reason: "needs a low-privilege identity: pass --low-cert and --low-key"},
			{ID: "SPEC-STRING-MAXLENGTH", Title: ruleMaxLen.Title, Status: finding.Failed, Findings: 2},
			{ID: "SPEC-NO-SECURITY", Title: ruleNoSec.Title, Status: finding.Failed, Findings: 1},
		},
		Budget: finding.Budget{
			MaxRequests: 1000, MaxSeconds: 60, MaxRPS: 50, MaxBytes: 64 << 20, MaxConns: 16,
			Requests: 255, BytesSent: 1536000, Seconds: 9.75,
			StoppedEarly: "baseline p99 rose from 12ms to 480ms (> 3×): load probes stopped",
		},
		Sent: []finding.Sent{
			{Check: "RATE-NO-LIMIT", Method: "GET", Path: "/health", Count: 200, Bytes: 0},
			{Check: "JSON-DEPTH-CRASH", Method: "POST", Path: "/users", Count: 6, Bytes: 1530000, Note: "nested arrays, depth 10 to 12,000"},
			{Check: "ID-SPOOFABLE-HEADER", Method: "GET", Path: "/whoami", Count: 8, Bytes: 6000, Note: "headers X-SSL-Client-CN & X_SSL_Client_CN"},
		},
		Notes: []string{
			"RATE-SHARED-LIMIT skipped: no --peer-cert given",
			"AUTHZ-BFLA skipped: no --low-cert given",
		},
	}
	r.Finalize()
	return r
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./internal/report -update if the change is intended)\n got:\n%s", name, got)
	}
}

func render(t testing.TB, w Writer, r *finding.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := w.Write(&b, r); err != nil {
		t.Fatalf("%T.Write: %v", w, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	tests := []struct {
		file string
		w    Writer
	}{
		{"report.txt.golden", Text{}},
		{"report.color.txt.golden", Text{Color: true}},
		{"report.json.golden", JSON{}},
		{"report.sarif.golden", SARIF{}},
		{"report.junit.golden", JUnit{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			golden(t, tt.file, render(t, tt.w, sampleReport()))
		})
	}
}

// TestOrderIndependent checks that writers sort findings themselves: the
// same report with findings reversed renders byte for byte the same.
func TestOrderIndependent(t *testing.T) {
	for _, name := range Formats {
		t.Run(name, func(t *testing.T) {
			w, err := ForFormat(name)
			if err != nil {
				t.Fatal(err)
			}
			want := render(t, w, sampleReport())
			r := sampleReport()
			slices.Reverse(r.Findings)
			if got := render(t, w, r); !bytes.Equal(got, want) {
				t.Errorf("output depends on the order of findings")
			}
			if got := render(t, w, sampleReport()); !bytes.Equal(got, want) {
				t.Errorf("two renders of the same report differ")
			}
		})
	}
}

func TestForFormat(t *testing.T) {
	tests := []struct {
		name    string
		want    Writer
		wantErr string
	}{
		{"text", Text{}, ""},
		{"json", JSON{}, ""},
		{"sarif", SARIF{}, ""},
		{"junit", JUnit{}, ""},
		{"html", HTML{}, ""},
		{" SARIF ", SARIF{}, ""},
		{"xml", nil, `unknown report format "xml": use one of text, json, sarif, junit, html`},
		{"", nil, `unknown report format "": use one of text, json, sarif, junit, html`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ForFormat(tt.name)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if !errors.Is(err, ErrUnknownFormat) {
					t.Errorf("error does not wrap ErrUnknownFormat")
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ForFormat(%q) = %#v, %v; want %#v", tt.name, got, err, tt.want)
			}
		})
	}
	for _, name := range Formats {
		if _, err := ForFormat(name); err != nil {
			t.Errorf("Formats lists %q but ForFormat rejects it: %v", name, err)
		}
	}
}

func TestNilReport(t *testing.T) {
	for _, name := range Formats {
		w, _ := ForFormat(name)
		var b bytes.Buffer
		if err := w.Write(&b, nil); !errors.Is(err, errNilReport) {
			t.Errorf("%s: Write(nil) error = %v, want errNilReport", name, err)
		}
		if b.Len() != 0 {
			t.Errorf("%s: Write(nil) wrote %d bytes", name, b.Len())
		}
	}
}

// failingWriter fails every write, to show write errors come back wrapped.
type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrorWrapped(t *testing.T) {
	for _, name := range Formats {
		w, _ := ForFormat(name)
		err := w.Write(failingWriter{}, sampleReport())
		if !errors.Is(err, errDiskFull) {
			t.Errorf("%s: error = %v, want it to wrap %v", name, err, errDiskFull)
		}
		if err != nil && !strings.Contains(err.Error(), "report") {
			t.Errorf("%s: error %q does not say what failed", name, err)
		}
	}
}

// TestEmptyReport renders a report with nothing in it: no panics, and the
// JSON lists are [] rather than null.
func TestEmptyReport(t *testing.T) {
	r := &finding.Report{Target: "https://127.0.0.1:1"}
	for _, name := range Formats {
		w, _ := ForFormat(name)
		out := render(t, w, r)
		if name == "json" {
			for _, key := range []string{`"findings": []`, `"checks": []`, `"sent": []`, `"notes": []`, `"categories": []`} {
				if !bytes.Contains(out, []byte(key)) {
					t.Errorf("json: missing %s in\n%s", key, out)
				}
			}
		}
	}
}

func BenchmarkWriters(b *testing.B) {
	r := sampleReport()
	for _, name := range Formats {
		w, _ := ForFormat(name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := w.Write(&buf, r); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
