package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/pki"
	"github.com/mtlsguard/mtlsguard/internal/scan/checks"
	"github.com/mtlsguard/mtlsguard/internal/scan/target"
)

// scanFiles writes the target's PKI and spec to a directory and returns
// the flags that point at them.
func scanFiles(t *testing.T, tg *target.Target) []string {
	t.Helper()
	dir := t.TempDir()
	caKey, err := x509.MarshalPKCS8PrivateKey(tg.CA.Key)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"ca.crt": tg.CA.CertPEM(), "ca.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: caKey}),
		"alice.crt": tg.Primary.CertPEM, "alice.key": tg.Primary.KeyPEM,
		"bob.crt": tg.Peer.CertPEM, "bob.key": tg.Peer.KeyPEM,
		"eve.crt": tg.Low.CertPEM, "eve.key": tg.Low.KeyPEM,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	spec, err := target.WriteSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	return []string{
		"--cert", p("alice.crt"), "--key", p("alice.key"), "--ca", p("ca.crt"), "--ca-key", p("ca.key"),
		"--peer-cert", p("bob.crt"), "--peer-key", p("bob.key"), "--low-cert", p("eve.crt"), "--low-key", p("eve.key"),
		"--spec", spec,
	}
}

func startScanTarget(t *testing.T) *target.Target {
	t.Helper()
	tg, err := target.Start(target.Vulnerable())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tg.Close() })
	return tg
}

func TestScanFindsWeaknessesAsJSON(t *testing.T) {
	tg := startScanTarget(t)
	args := append([]string{"scan", tg.URL, "--format", "json",
		"--checks", "MTLS-EXPIRED-CERT,ID-SPOOFABLE-HEADER,AUTHZ-BFLA,SPEC-NO-429,RATE-SHARED-LIMIT"}, scanFiles(t, tg)...)
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, &stdout, &stderr)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitFindings, stderr.String())
	}
	var rep struct {
		Target   string `json:"target"`
		Score    int    `json:"score"`
		Grade    string `json:"grade"`
		Findings []struct {
			ID, Severity, Category, Title string
			Evidence                      []string
			Remediation                   struct{ Django, Nginx, Mtlsguard string }
			Location                      *struct{ File, Path string }
		} `json:"findings"`
		Checks []struct{ ID, Status, Reason string } `json:"checks"`
		Notes  []string                              `json:"notes"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("JSON output: %v\n%s", err, stdout.String())
	}
	var scored []finding.Finding
	for _, f := range rep.Findings {
		sev, err := finding.ParseSeverity(f.Severity)
		if err != nil {
			t.Fatal(err)
		}
		scored = append(scored, finding.Finding{ID: f.ID, Severity: sev})
	}
	if want := finding.Score(scored); rep.Target != tg.URL || rep.Score != want || rep.Grade != finding.Grade(want) || rep.Grade != "F" {
		t.Errorf("target %q score %d grade %q; want %q, %d, F", rep.Target, rep.Score, rep.Grade, tg.URL, want)
	}
	var ids []string
	for _, f := range rep.Findings {
		if !slices.Contains(ids, f.ID) {
			ids = append(ids, f.ID)
		}
		if f.Severity == "" || !strings.HasPrefix(f.Category, "API") || len(f.Evidence) == 0 || f.Remediation.Mtlsguard == "" {
			t.Errorf("finding %s lacks severity, category, evidence or remediation: %+v", f.ID, f)
		}
	}
	slices.Sort(ids)
	want := []string{"AUTHZ-BFLA", "ID-SPOOFABLE-HEADER", "MTLS-EXPIRED-CERT", "SPEC-NO-429"}
	if !slices.Equal(ids, want) {
		t.Errorf("finding IDs %v, want %v", ids, want)
	}
	statuses := map[string]string{}
	for _, c := range rep.Checks {
		statuses[c.ID] = c.Status
	}
	if statuses["RATE-SHARED-LIMIT"] != "skipped" || statuses["MTLS-EXPIRED-CERT"] != "failed" || len(statuses) != 5 {
		t.Errorf("check statuses %v", statuses)
	}
	if !strings.Contains(stderr.String(), "scan: [") {
		t.Errorf("no progress lines on stderr:\n%s", stderr.String())
	}
}

func TestScanExitCodes(t *testing.T) {
	tg := startScanTarget(t)
	files := scanFiles(t, tg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + ln.Addr().String()
	_ = ln.Close()
	other, err := pki.NewCA("another CA")
	if err != nil {
		t.Fatal(err)
	}
	otherCA := filepath.Join(t.TempDir(), "other.crt")
	if err := os.WriteFile(otherCA, other.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown check", []string{"scan", tg.URL, "--checks", "NOPE"}, ExitUsage, `unknown check "NOPE"; valid checks: MTLS-NO-CERT, MTLS-UNTRUSTED-CA`},
		{"unreachable", []string{"scan", closed, "--checks", "MTLS-NO-CERT"}, ExitTarget, "target unreachable"},
		{"untrusted server", []string{"scan", tg.URL, "--ca", otherCA, "--ca-key", ""}, ExitUsage, "server certificate is not trusted"},
		{"no cert", []string{"scan", tg.URL, "--cert", ""}, ExitUsage, "pass --cert and --key"},
		{"bad fail-on", []string{"scan", tg.URL, "--fail-on", "severe"}, ExitUsage, `unknown severity "severe"`},
		{"bad format", []string{"scan", tg.URL, "--format", "pdf"}, ExitUsage, `unknown report format "pdf"`},
		{"below fail-on", []string{"scan", tg.URL, "--checks", "HDR-NO-LIMIT", "--fail-on", "medium"}, ExitOK, ""},
		{"passive skips active", []string{"scan", tg.URL, "--checks", "HDR-NO-LIMIT", "--passive", "--fail-on", "low"}, ExitOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{}, tc.args[:2]...), files...)
			args = append(args, tc.args[2:]...)
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), args, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr.String(), tc.code, tc.stderr)
			}
		})
	}
}

func TestScanWritesOutFile(t *testing.T) {
	tg := startScanTarget(t)
	out := filepath.Join(t.TempDir(), "scan.sarif")
	args := append([]string{"scan", tg.URL, "--format", "sarif", "--out", out, "--checks", "MTLS-NO-CERT,HDR-NO-LIMIT", "--fail-on", "critical"}, scanFiles(t, tg)...)
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), args, &stdout, &stderr); code != ExitFindings {
		t.Fatalf("exit %d, want %d (MTLS-NO-CERT is critical); stderr:\n%s", code, ExitFindings, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout not empty with --out: %q", stdout.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &sarif); err != nil {
		t.Fatalf("SARIF: %v", err)
	}
	var ids []string
	for _, r := range sarif.Runs[0].Results {
		ids = append(ids, r.RuleID)
	}
	slices.Sort(ids)
	if sarif.Version != "2.1.0" || !slices.Equal(ids, []string{"HDR-NO-LIMIT", "MTLS-NO-CERT"}) {
		t.Errorf("SARIF version %q results %v", sarif.Version, ids)
	}
}

func TestScanHelpListsEveryCheck(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"scan", "--help"}, &stdout, &stderr); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, c := range checks.All() {
		r := c.Rule()
		if !strings.Contains(stdout.String(), r.ID) || !strings.Contains(stdout.String(), r.Title) {
			t.Errorf("help lacks %s (%s)", r.ID, r.Title)
		}
	}
}
