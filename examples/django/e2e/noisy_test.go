package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
)

// noisyReport is the part of `mtlsguard bench noisy-neighbor --json` the
// test reads.
type noisyReport struct {
	Baseline noisyPhase `json:"baseline"`
	Attack   noisyPhase `json:"attack"`
}

type noisyPhase struct {
	Victims noisyResult  `json:"victims"`
	Abuser  *noisyResult `json:"abuser"`
}

type noisyResult struct {
	Requests    int         `json:"requests"`
	OK          int         `json:"ok"`
	SuccessRate float64     `json:"success_rate"`
	Statuses    map[int]int `json:"statuses"`
	Latency     struct {
		P99 float64 `json:"p99_ms"`
	} `json:"latency"`
}

// testNoisyNeighbour floods /api/slow (200 ms of a sync worker each) with
// one certificate while victims call /api/ping with another, through the
// proxy. guard.yaml lets one identity hold 2 of the 4 workers on /api/slow,
// so the victims keep theirs.
func (s *stack) testNoisyNeighbour(t *testing.T) {
	cert := func(name string) string { return filepath.Join(s.pki, name+".crt") }
	key := func(name string) string { return filepath.Join(s.pki, name+".key") }
	// Two victims at 3/s each stay well inside their budget of 10/s and 4
	// in flight; the abuser asks for 8 in flight where it may have 2.
	cmd := exec.Command(s.bin, "bench", "noisy-neighbor", "--json",
		"--target", s.proxy, "--ca", cert("ca"),
		"--victim-cert", cert("victim"), "--victim-key", key("victim"),
		"--abuser-cert", cert("abuser"), "--abuser-key", key("abuser"),
		"--victims", "2", "--victim-rate", "3", "--victim-path", "/api/ping",
		"--abuser-path", "/api/slow", "--abuser-concurrency", "8", "--duration", "3s")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench noisy-neighbor: %v\n%s%s", err, stdout.Bytes(), stderr.Bytes())
	}
	var rep noisyReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("bench noisy-neighbor --json: %v\n%s", err, stdout.Bytes())
	}
	for name, ph := range map[string]noisyPhase{"baseline": rep.Baseline, "attack": rep.Attack} {
		t.Logf("%s: victims %d/%d OK, p99 %.1f ms", name, ph.Victims.OK, ph.Victims.Requests, ph.Victims.Latency.P99)
		if ph.Victims.Requests < 9 || ph.Victims.SuccessRate < 0.99 {
			t.Errorf("%s: victims %d/%d OK (%.1f%%), statuses %v; want ≥ 99%% of at least 9",
				name, ph.Victims.OK, ph.Victims.Requests, 100*ph.Victims.SuccessRate, ph.Victims.Statuses)
		}
	}
	// The abuser is held to its budget: refused with 429, not served.
	if a := rep.Attack.Abuser; a == nil || a.Statuses[429] == 0 || a.OK == 0 {
		t.Errorf("abuser %+v; want some 200s and some 429s", a)
	}
}
