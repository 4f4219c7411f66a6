package cli

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/demo"
	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// benchTarget is the fragile app behind an in-process mTLS terminator,
// with the files the bench command needs.
type benchTarget struct {
	url, ca               string
	victimCert, victimKey string
	abuserCert, abuserKey string
}

func newBenchTarget(t *testing.T) benchTarget {
	t.Helper()
	ca, err := pki.NewCA("bench test CA")
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	issue := func(cn string) (string, string) {
		pair, err := ca.Client(pki.ClientSpec{CN: cn})
		if err != nil {
			t.Fatal(err)
		}
		return write(cn+".crt", pair.CertPEM), write(cn+".key", pair.KeyPEM)
	}
	srv := httptest.NewUnstartedServer(demo.NewApp(demo.AppOptions{Workers: 4, SlowDelay: 50 * time.Millisecond}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{server.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool(),
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	bt := benchTarget{url: srv.URL, ca: write("ca.crt", ca.CertPEM())}
	bt.victimCert, bt.victimKey = issue("alice")
	bt.abuserCert, bt.abuserKey = issue("mallory")
	return bt
}

func (bt benchTarget) args(extra ...string) []string {
	return append([]string{"bench", "noisy-neighbor", "--target", bt.url, "--ca", bt.ca,
		"--victim-cert", bt.victimCert, "--victim-key", bt.victimKey,
		"--abuser-cert", bt.abuserCert, "--abuser-key", bt.abuserKey}, extra...)
}

// benchJSON is the documented JSON shape of the report, read back.
type benchJSON struct {
	Scenario struct {
		Target            string  `json:"target"`
		Victims           int     `json:"victims"`
		VictimRate        float64 `json:"victim_rate"`
		VictimPath        string  `json:"victim_path"`
		AbuserPath        string  `json:"abuser_path"`
		AbuserConcurrency int     `json:"abuser_concurrency"`
		PhaseSeconds      float64 `json:"phase_duration_s"`
	} `json:"scenario"`
	Baseline benchPhaseJSON `json:"baseline"`
	Attack   benchPhaseJSON `json:"attack"`
	Ratio    float64        `json:"ratio"`
}

type benchPhaseJSON struct {
	Name    string           `json:"name"`
	Victims benchResultJSON  `json:"victims"`
	Abuser  *benchResultJSON `json:"abuser"`
}

type benchResultJSON struct {
	Requests    int            `json:"requests"`
	OK          int            `json:"ok"`
	SuccessRate float64        `json:"success_rate"`
	Statuses    map[string]int `json:"statuses"`
	Errors      map[string]int `json:"errors"`
	Latency     struct {
		Count int64   `json:"count"`
		P50   float64 `json:"p50_ms"`
		P99   float64 `json:"p99_ms"`
		Max   float64 `json:"max_ms"`
	} `json:"latency"`
	OKPerS float64 `json:"ok_per_s"`
}

func TestBenchNoisyNeighborJSON(t *testing.T) {
	bt := newBenchTarget(t)
	code, stdout, stderr := runCLI(t, bt.args("--victims", "2", "--victim-rate", "5", "--abuser-concurrency", "16", "--duration", "1s", "--json")...)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var rep benchJSON
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
	sc := rep.Scenario
	if sc.Target != bt.url || sc.Victims != 2 || sc.VictimRate != 5 || sc.VictimPath != "/api/ping" ||
		sc.AbuserPath != "/api/slow" || sc.AbuserConcurrency != 16 || sc.PhaseSeconds != 1 {
		t.Errorf("scenario = %+v", sc)
	}
	for _, ph := range []benchPhaseJSON{rep.Baseline, rep.Attack} {
		v := ph.Victims
		if v.Requests != 10 || v.OK != 10 || v.SuccessRate != 1 || v.Statuses["200"] != 10 || len(v.Errors) != 0 || v.Latency.Count != 10 {
			t.Errorf("%s victims = %+v, want 10 requests, all 200", ph.Name, v)
		}
	}
	if rep.Baseline.Name != "baseline" || rep.Baseline.Abuser != nil {
		t.Errorf("baseline = %+v, want no abuser", rep.Baseline)
	}
	a := rep.Attack.Abuser
	// Four workers at 50 ms serve at most 80 slow requests a second.
	if a == nil || a.OK == 0 || a.Statuses["200"] != a.OK || a.OKPerS <= 0 || a.OKPerS > 80 {
		t.Errorf("attack abuser = %+v, want some 200s at no more than 80/s", a)
	}
	if want := rep.Attack.Victims.Latency.P99 / rep.Baseline.Victims.Latency.P99; rep.Ratio < want*0.99 || rep.Ratio > want*1.01 {
		t.Errorf("ratio = %v, want attack p99 / baseline p99 = %v", rep.Ratio, want)
	}
	// The abuser holds every worker: a victim waits for at least part of
	// a slow request.
	if rep.Attack.Victims.Latency.Max < 10 {
		t.Errorf("attack victims' max latency %vms, want at least 10ms behind the slow requests", rep.Attack.Victims.Latency.Max)
	}
	if !strings.Contains(stderr, "baseline: 2 victims at 5 r/s on /api/ping for 1s") || !strings.Contains(stderr, "attack: done") {
		t.Errorf("progress on stderr:\n%s", stderr)
	}
}

func TestBenchNoisyNeighborTable(t *testing.T) {
	bt := newBenchTarget(t)
	code, stdout, stderr := runCLI(t, bt.args("--victims", "1", "--abuser-concurrency", "4", "--duration", "300ms", "--abuser-path", "/api/upload", "--abuser-body-size", "64KiB")...)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"victims: 1 × 5 r/s on /api/ping; abuser: 4 workers on /api/upload with 65536-byte bodies",
		"victims' p99 under attack: ",
		"baseline victims: 200×2\n",
		"attack abuser:  200×",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
}

func TestBenchNoisyNeighborRefuses(t *testing.T) {
	bt := newBenchTarget(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing target", []string{"bench", "noisy-neighbor", "--ca", bt.ca}, ExitUsage, `required flag(s) "abuser-cert", "abuser-key", "target", "victim-cert", "victim-key" not set`},
		{"duration past the cap", bt.args("--duration", "3m"), ExitUsage, "--duration 3m0s is out of range: give more than 0 and at most 2m0s"},
		{"bad body size", bt.args("--abuser-body-size", "lots"), ExitUsage, `--abuser-body-size: "lots" is not a size`},
		{"zero rate", bt.args("--victim-rate", "0"), ExitUsage, "--victim-rate 0 must be more than 0"},
		{"unknown flag", bt.args("--victim-rat", "5"), ExitUsage, "unknown flag: --victim-rat"},
		{"bad path", bt.args("--victim-path", "api"), ExitUsage, `path "api" must start with /`},
		{"missing key file", append(bt.args(), "--victim-key", bt.ca+".nope"), ExitUsage, "victim client: client certificate: key file"},
		{"nothing listens", append(bt.args(), "--target", "https://127.0.0.1:1"), ExitTarget, "target unreachable: preflight request as the abuser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tt.code, tt.want)
			}
		})
	}
}

func TestFlagSizes(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1048576", 1 << 20, true}, {"512KiB", 512 << 10, true}, {"10 MiB", 10 << 20, true},
		{"2GB", 2e9, true}, {"7B", 7, true}, {"-1", 0, false}, {"1.5MiB", 0, false}, {"MiB", 0, false}, {"9999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := config.ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("config.ParseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
