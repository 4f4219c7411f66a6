package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// scannedChecks are the scan checks whose outcome mtlsguard changes, each
// failed against the app behind a naive terminator and passed through the
// proxy.
var scannedChecks = []string{
	"RATE-NO-LIMIT",
	"JSON-DEPTH-CRASH", // json.loads: RecursionError → 500
	"AUTHZ-BFLA",       // bob reaches /api/admin/users
}

// scanReport is the part of `mtlsguard scan --format json` the test reads.
type scanReport struct {
	Score  int `json:"score"`
	Checks []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"checks"`
}

// scan runs mtlsguard scan against target with the scanner's own
// certificates, limited to scannedChecks.
func (s *stack) scan(t *testing.T, target string) scanReport {
	t.Helper()
	pem := func(name string) string { return filepath.Join(s.pki, name) }
	cmd := exec.Command(s.bin, "scan", target, "--format", "json", "--fail-on", "critical",
		"--cert", pem("scanner.crt"), "--key", pem("scanner.key"), "--ca", pem("ca.crt"),
		"--peer-cert", pem("scanner-peer.crt"), "--peer-key", pem("scanner-peer.key"),
		"--low-cert", pem("bob.crt"), "--low-key", pem("bob.key"), "--path", "/api/ping",
		"--spec", filepath.Join(djangoDir(t), "openapi.yaml"),
		"--checks", strings.Join(scannedChecks, ","), "--max-seconds", "15")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) { // 1: findings
		t.Fatalf("scan %s: %v\n%s", target, err, stderr.Bytes())
	}
	var rep scanReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("scan %s --format json: %v\n%s", target, err, stdout.Bytes())
	}
	return rep
}

func (s *stack) testScan(t *testing.T) {
	naive := startNaiveTerminator(t, s.pki, s.direct)
	cases := []struct {
		name, target, want string
	}{
		{"behind a naive terminator", naive, "failed"},
		{"through the proxy", s.proxy, "passed"},
	}
	scores := map[string]int{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := s.scan(t, c.target)
			scores[c.name] = rep.Score
			got := map[string]string{}
			for _, ch := range rep.Checks {
				got[ch.ID] = ch.Status
				t.Logf("%s: %s (%s)", ch.ID, ch.Status, ch.Reason)
			}
			for _, id := range scannedChecks {
				if got[id] != c.want {
					t.Errorf("%s: %q; want %q", id, got[id], c.want)
				}
			}
		})
	}
	if t.Failed() {
		return
	}
	if n, p := scores[cases[0].name], scores[cases[1].name]; p != 100 || n >= p {
		t.Errorf("scores %d behind the terminator, %d through the proxy; want the proxy's 100 and higher", n, p)
	}
}
