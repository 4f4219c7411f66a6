package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// fragileHandler serves a cheap /ping and a /slow that needs one of two
// worker slots for 20 ms; /ping needs a slot too, so the abuser's slow
// requests delay the victims.
func fragileHandler(n *counter) http.Handler {
	slots := make(chan struct{}, 2)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.add(r)
		slots <- struct{}{}
		defer func() { <-slots }()
		if r.URL.Path == "/slow" {
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestRunNoisyNeighbor(t *testing.T) {
	p := newTestPKI(t)
	var n counter
	srv := p.serve(t, fragileHandler(&n))
	victim, abuser := p.client(t, "victim"), p.client(t, "abuser")
	cfg := NoisyNeighbor{
		Target: srv.URL, CA: p.caFile,
		VictimCert: victim.cert, VictimKey: victim.key, AbuserCert: abuser.cert, AbuserKey: abuser.key,
		VictimPath: "/ping", VictimRate: 10, Victims: 2,
		AbuserPath: "/slow", AbuserConcurrency: 8, Duration: 500 * time.Millisecond,
	}
	var progress bytes.Buffer
	rep, err := RunNoisyNeighbor(context.Background(), cfg, &progress)
	if err != nil {
		t.Fatal(err)
	}
	// 2 victims × 10 r/s × 0.5 s per phase; the preflight adds one request
	// per client to the victim path.
	for _, ph := range []PhaseReport{rep.Baseline, rep.Attack} {
		if v := ph.Victims; v.Requests != 10 || v.OK != 10 || !maps.Equal(v.Statuses, map[int]int{200: 10}) || v.Latency.Count != 10 {
			t.Errorf("%s victims: %d requests, %d ok, statuses %v, %d latencies; want 10 of 200", ph.Name, v.Requests, v.OK, v.Statuses, v.Latency.Count)
		}
	}
	if n.get("victim") != 2+20 {
		t.Errorf("server saw %d victim requests, want 22", n.get("victim"))
	}
	if rep.Baseline.Abuser != nil {
		t.Errorf("baseline has abuser results %+v, want none", rep.Baseline.Abuser)
	}
	a := rep.Attack.Abuser
	if a == nil || a.Requests == 0 || a.OK != a.Requests || n.get("abuser") != a.Requests+1 {
		t.Fatalf("attack abuser = %+v, server saw %d; want only 2xx, one preflight more at the server", a, n.get("abuser"))
	}
	if want := float64(rep.Attack.Victims.Latency.P99) / float64(rep.Baseline.Victims.Latency.P99); rep.Ratio != want {
		t.Errorf("ratio = %v, want %v", rep.Ratio, want)
	}
	wantProgress := []string{
		"baseline: 2 victims at 10 r/s on /ping for 500ms",
		"baseline: done, victims 10/10 ok, p99 ",
		"attack: 2 victims at 10 r/s on /ping, abuser with 8 workers on /slow for 500ms",
		"attack: done, victims 10/10 ok, p99 ",
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if len(lines) != len(wantProgress) {
		t.Fatalf("progress:\n%s\nwant %d lines", progress.String(), len(wantProgress))
	}
	for i, w := range wantProgress {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("progress line %d = %q, want it to start with %q", i, lines[i], w)
		}
	}
}

func TestNoisyReportJSONFields(t *testing.T) {
	rep := sampleReport()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(top)); !slices.Equal(got, []string{"attack", "baseline", "ratio", "scenario"}) {
		t.Errorf("top-level keys %v", got)
	}
	var attack struct {
		Name    string  `json:"name"`
		Victims Result  `json:"victims"`
		Abuser  *Result `json:"abuser"`
	}
	if err := json.Unmarshal(top["attack"], &attack); err != nil {
		t.Fatal(err)
	}
	if attack.Name != "attack" || attack.Victims.Latency.P99 != 3200*time.Millisecond || attack.Abuser == nil || attack.Abuser.OK != 300 {
		t.Errorf("attack phase read back as %+v", attack)
	}
	if !bytes.Contains(b, []byte(`"baseline":{"name":"baseline","victims":{`)) || !bytes.Contains(b, []byte(`"abuser":null}`)) {
		t.Errorf("baseline phase not as documented: %s", b)
	}
	if !bytes.Contains(b, []byte(`"scenario":{"target":"https://127.0.0.1:8443","victims":5,"victim_rate":5,"victim_path":"/api/ping","abuser_path":"/api/slow","abuser_concurrency":64,"abuser_body_size":0,"phase_duration_s":20}`)) {
		t.Errorf("scenario not as documented: %s", b)
	}
}

// sampleReport is a report as the acceptance scenario would give without
// protection.
func sampleReport() *NoisyReport {
	return &NoisyReport{
		Scenario: Scenario{Target: "https://127.0.0.1:8443", Victims: 5, VictimRate: 5, VictimPath: "/api/ping",
			AbuserPath: "/api/slow", AbuserConcurrency: 64, PhaseSeconds: 20},
		Baseline: PhaseReport{Name: "baseline", Victims: Result{Requests: 500, OK: 500, Statuses: map[int]int{200: 500},
			Latency: Summary{Count: 500, P50: 900 * time.Microsecond, P90: 1500 * time.Microsecond, P99: 5 * time.Millisecond, Max: 12 * time.Millisecond}, Duration: 20 * time.Second}},
		Attack: PhaseReport{Name: "attack",
			Victims: Result{Requests: 500, OK: 498, Statuses: map[int]int{200: 498}, Errors: map[string]int{"timeout": 2},
				Latency: Summary{Count: 500, P50: 3100 * time.Millisecond, P90: 3150 * time.Millisecond, P99: 3200 * time.Millisecond, Max: 30 * time.Second}, Duration: 25 * time.Second},
			Abuser: &Result{Requests: 400, OK: 300, Statuses: map[int]int{200: 300, 503: 100}, Duration: 20 * time.Second}},
		Ratio: 640,
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	if err := sampleReport().WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	want := `noisy neighbour against https://127.0.0.1:8443, 20s per phase
victims: 5 × 5 r/s on /api/ping; abuser: 64 workers on /api/slow

     phase  victims ok  success    p50    p90    p99     max  abuser req/s  abuser 2xx/s
  baseline     500/500  100.00%  900µs  1.5ms  5.0ms  12.0ms             -             -
    attack     498/500   99.60%  3.10s  3.15s  3.20s  30.00s          20.0          15.0

victims' p99 under attack: 640.0× the baseline
baseline victims: 200×500
attack victims: 200×498 timeout×2
attack abuser:  200×300 503×100
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestRunNoisyNeighborRefuses(t *testing.T) {
	p := newTestPKI(t)
	f := p.client(t, "someone")
	base := NoisyNeighbor{Target: "https://127.0.0.1:1", CA: p.caFile, VictimCert: f.cert, VictimKey: f.key, AbuserCert: f.cert, AbuserKey: f.key}
	tests := []struct {
		name   string
		change func(*NoisyNeighbor)
		is     error
		want   string
	}{
		{"no target", func(n *NoisyNeighbor) { n.Target = "" }, ErrInvalidScenario, "target URL is missing"},
		{"target without scheme", func(n *NoisyNeighbor) { n.Target = "127.0.0.1:8443" }, ErrInvalidScenario, "not an absolute http(s) URL"},
		{"target of another scheme", func(n *NoisyNeighbor) { n.Target = "ftp://127.0.0.1" }, ErrInvalidScenario, "not an absolute http(s) URL"},
		{"path without slash", func(n *NoisyNeighbor) { n.VictimPath = "api/ping" }, ErrInvalidScenario, "must start with /"},
		{"path with a host", func(n *NoisyNeighbor) { n.AbuserPath = "//evil.example/x" }, ErrInvalidScenario, "name no host"},
		{"too long", func(n *NoisyNeighbor) { n.Duration = 121 * time.Second }, ErrInvalidScenario, "give at most 2m0s"},
		{"negative rate", func(n *NoisyNeighbor) { n.VictimRate = -1 }, ErrInvalidScenario, "victim rate -1/s is out of range"},
		{"too many victims", func(n *NoisyNeighbor) { n.Victims = 5000 }, ErrInvalidScenario, "5000 victims is out of range"},
		{"no abuser key", func(n *NoisyNeighbor) { n.AbuserKey = "" }, ErrInvalidScenario, "abuser certificate and key are both required"},
		{"nothing listens", func(*NoisyNeighbor) {}, ErrUnreachable, "preflight request as the abuser to https://127.0.0.1:1/api/ping failed (refused)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			_, err := RunNoisyNeighbor(context.Background(), cfg, nil)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %v containing %q", err, tt.is, tt.want)
			}
		})
	}
}

func TestJoinURL(t *testing.T) {
	tests := []struct{ target, path, want string }{
		{"https://127.0.0.1:8443", "/api/ping", "https://127.0.0.1:8443/api/ping"},
		{"https://127.0.0.1:8443/", "/api/ping", "https://127.0.0.1:8443/api/ping"},
		{"https://h.example/prefix/", "/api/slow?x=1", "https://h.example/prefix/api/slow?x=1"},
	}
	for _, tt := range tests {
		if got, err := joinURL(tt.target, tt.path); err != nil || got != tt.want {
			t.Errorf("joinURL(%q, %q) = %q, %v; want %q", tt.target, tt.path, got, err, tt.want)
		}
	}
}
