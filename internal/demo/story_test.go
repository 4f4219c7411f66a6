package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/scan"
	"github.com/mtlsguard/mtlsguard/internal/scan/checks"
)

// fixedByProxy are the findings the naive setup reliably shows and the
// story's proxy config reliably removes.
var fixedByProxy = []string{"ID-SPOOFABLE-HEADER", "RATE-NO-LIMIT", "JSON-DEPTH-CRASH", "AUTHZ-BFLA", "BODY-NO-LIMIT"}

// TestStory tells the whole story with short phases and a fast scan (the
// slow-header probe, which holds a connection for seconds, is left out).
func TestStory(t *testing.T) {
	if testing.Short() {
		t.Skip("the story runs for about 30 s")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the story's temporary directory goes here
	sel, err := checks.Select(checks.All(), nil, []string{"SLOW-LORIS"})
	if err != nil {
		t.Fatal(err)
	}
	goroutines := runtime.NumGoroutine()
	var progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Second)
	defer cancel()
	out, err := Run(ctx, Options{
		Phase:      2 * time.Second,
		ScanLimits: scan.Limits{MaxDuration: 20 * time.Second},
		ScanTiming: scan.Timing{NoisyHold: time.Second, RetryMaxWait: 2 * time.Second, BaselineSamples: 1},
		Checks:     sel,
		Progress:   &progress,
	})
	if err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}
	t.Logf("progress:\n%s", progress.String())
	checkOutcome(t, out)
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Errorf("temporary directory left behind: %v (err %v)", entries, err)
	}
	checkStopped(t, out, goroutines)
	var text bytes.Buffer
	if err := out.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	t.Logf("table:\n%s", text.String())
	checkText(t, text.String(), out)
}

func checkOutcome(t *testing.T, out *Outcome) {
	t.Helper()
	if out.Kept || out.Dir != "" || out.Before.HTML != "" || out.After.HTML != "" {
		t.Errorf("not kept, yet Kept=%v Dir=%q HTML=%q,%q", out.Kept, out.Dir, out.Before.HTML, out.After.HTML)
	}
	if out.After.Score <= out.Before.Score {
		t.Errorf("live score after %d (%s), before %d (%s): want better", out.After.Score, out.After.Grade, out.Before.Score, out.Before.Grade)
	}
	for _, id := range fixedByProxy {
		if !slices.Contains(out.Before.FindingIDs, id) {
			t.Errorf("%s not found before; before: %v", id, out.Before.FindingIDs)
		}
		if slices.Contains(out.After.FindingIDs, id) {
			t.Errorf("%s still found after; after: %v", id, out.After.FindingIDs)
		}
	}
	if !slices.Equal(out.Before.ContractIDs, out.After.ContractIDs) || len(out.Before.ContractIDs) == 0 {
		t.Errorf("contract findings before %v, after %v: want the same, not none", out.Before.ContractIDs, out.After.ContractIDs)
	}
	for _, s := range []Side{out.Before, out.After} {
		if s.Bench == nil || s.Bench.Attack.Abuser == nil || s.Bench.Attack.Victims.Requests == 0 {
			t.Fatalf("%s: no bench measured: %+v", s.Front, s.Bench)
		}
	}
	if v := out.After.Bench.Attack.Victims; v.SuccessRate() < 0.99 {
		t.Errorf("victims' success under attack after = %.3f (%d/%d, %v), want ≥ 0.99", v.SuccessRate(), v.OK, v.Requests, v.Statuses)
	}
	wantSpot := map[string]Spot{
		"before": {WhoamiSpoofed: "admin", AdminAsAdmin: 200, AdminAsMallory: 200},
		"after":  {WhoamiSpoofed: "alice", AdminAsAdmin: 200, AdminAsMallory: 403},
	}
	for name, s := range map[string]Side{"before": out.Before, "after": out.After} {
		if s.Spot != wantSpot[name] {
			t.Errorf("%s: spot checks %+v, want %+v", name, s.Spot, wantSpot[name])
		}
	}
	if !strings.Contains(out.ProxyConfig, "max_inflight: 4") || !strings.Contains(out.ProxyConfig, "allow: [admins]") {
		t.Errorf("proxy config shown lacks the capacity or the admin route:\n%s", out.ProxyConfig)
	}
}

func checkText(t *testing.T, text string, out *Outcome) {
	t.Helper()
	for _, want := range []string{
		"live API grade (score)", "victims' success under attack", "abuser's 2xx/s under attack",
		"fixed by mtlsguard proxy: ", "run with --keep", "upstream_capacity:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"proxy_config", "before", "after", "kept"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

// checkStopped checks that both fronts stopped listening and that the
// story's goroutines are gone (a few may still be unwinding: wait for them).
func checkStopped(t *testing.T, out *Outcome, goroutines int) {
	t.Helper()
	for _, s := range []Side{out.Before, out.After} {
		u, err := url.Parse(s.Target)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listening on %s", s.Front, u.Host)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutines+2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the story, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
}
