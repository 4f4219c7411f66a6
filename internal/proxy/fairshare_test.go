package proxy_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/demo"
	"github.com/mtlsguard/mtlsguard/internal/load"
	"github.com/mtlsguard/mtlsguard/internal/pki"
	"github.com/mtlsguard/mtlsguard/internal/proxy"
)

// TestFairShareUnderAttack is issue 4's acceptance scenario, shortened: a
// fragile app with 4 workers and a 200 ms endpoint, an abuser keeping 64
// requests on it, 5 victims at 5 r/s each on a cheap endpoint. Through the
// proxy with fair admission the victims stay fast and the abuser still gets
// most of the capacity the victims leave. The bounds carry margins over the
// issue's figures (quoted in the closing note from 20 s phases) so that a
// noisy 2-core machine running other tests does not make them flake.
func TestFairShareUnderAttack(t *testing.T) {
	if testing.Short() {
		t.Skip("noisy-neighbour run takes about 10 s")
	}
	dir := t.TempDir()
	if err := pki.InitDir(dir, false); err != nil {
		t.Fatal(err)
	}
	for _, cn := range []string{"victim", "abuser"} {
		if _, _, err := pki.IssueFiles(dir, pki.ClientSpec{CN: cn}, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, capacity := range []string{"4", "auto"} {
		t.Run("max_inflight="+capacity, func(t *testing.T) { fairShareRun(t, dir, capacity) })
	}
}

// fairShareRun runs the scenario once with upstream_capacity.max_inflight
// set to capacity and checks the victims and the abuser.
func fairShareRun(t *testing.T, dir, capacity string) {
	app := httptest.NewServer(demo.NewApp(demo.AppOptions{Workers: 4, SlowDelay: 200 * time.Millisecond, MaxJSONDepth: 1000}))
	defer app.Close()
	addr, _ := startFairProxy(t, dir, app.URL, "defaults: {rate: off, max_inflight: 64, max_conns: 128}\nupstream_capacity: {max_inflight: "+capacity+"}\n")
	rep, err := load.RunNoisyNeighbor(context.Background(), load.NoisyNeighbor{
		Target: "https://" + addr, CA: filepath.Join(dir, "ca.crt"),
		VictimCert: filepath.Join(dir, "victim.crt"), VictimKey: filepath.Join(dir, "victim.key"),
		AbuserCert: filepath.Join(dir, "abuser.crt"), AbuserKey: filepath.Join(dir, "abuser.key"),
		Duration: 4 * time.Second,
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	base, attack := rep.Baseline.Victims, rep.Attack.Victims
	t.Logf("baseline p50 %v p90 %v p99 %v; attack p50 %v p90 %v p99 %v; victims ok %d/%d; abuser 2xx/s %.1f statuses %v",
		base.Latency.P50, base.Latency.P90, base.Latency.P99, attack.Latency.P50, attack.Latency.P90, attack.Latency.P99,
		attack.OK, attack.Requests, rep.Attack.Abuser.OKThroughput(), rep.Attack.Abuser.Statuses)
	if attack.Requests < 90 || attack.OK != attack.Requests {
		t.Errorf("victims: %d of %d requests succeeded under attack, want all (statuses %v, errors %v)", attack.OK, attack.Requests, attack.Statuses, attack.Errors)
	}
	// Without fairness every victim request waits behind the abuser's queue:
	// 64 requests × 200 ms / 4 workers ≈ 3.2 s. With it, the bulk of the
	// victims' requests must stay near their baseline; a few stragglers on a
	// loaded machine are tolerated by bounding p99 far below the 3.2 s.
	if limit := 3*base.Latency.P90 + 150*time.Millisecond; attack.Latency.P90 > limit {
		t.Errorf("victims' p90 under attack %v > %v (baseline p90 %v)", attack.Latency.P90, limit, base.Latency.P90)
	}
	if attack.Latency.P99 > 1200*time.Millisecond {
		t.Errorf("victims' p99 under attack %v, want well under the 3.2 s of unfair queueing", attack.Latency.P99)
	}
	// Issue figure: ≥ 12 r/s of the app's 20. Here: ≥ 8.
	if got := rep.Attack.Abuser.OKThroughput(); got < 8 {
		t.Errorf("abuser got %.1f 2xx/s on the slow endpoint, want ≥ 8 (work conservation)", got)
	}
}

func startFairProxy(t *testing.T, dir, upstream, extra string) (string, *proxy.Server) {
	t.Helper()
	yml := "listen: 127.0.0.1:0\nupstream: " + upstream + "\ntls: {cert: server.crt, key: server.key, client_ca: ca.crt}\nlog: {access: false}\n" + extra
	path := filepath.Join(dir, "guard.yaml")
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := proxy.New(proxy.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String(), srv
}
