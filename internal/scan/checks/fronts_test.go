package checks_test

import (
	"crypto/tls"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/demo"
	"github.com/mtlsguard/mtlsguard/internal/finding"
	"github.com/mtlsguard/mtlsguard/internal/openapi"
	"github.com/mtlsguard/mtlsguard/internal/scan"
	"github.com/mtlsguard/mtlsguard/internal/scan/target"
)

// serveTLS serves h over TLS with a server certificate from tg's CA,
// requiring a client certificate from it, and forwarding every header
// unchanged: a TLS terminator in front of an app.
func serveTLS(t *testing.T, tg *target.Target, h http.Handler) string {
	t.Helper()
	pair, err := tg.CA.Server()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{pair.TLSCertificate()},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: tg.CA.Pool(), MinVersion: tls.VersionTLS12,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// quotaFront is a rate limiter in the manner of mtlsguard proxy: a token
// bucket per client CN (or one for all when shared) that puts RateLimit
// and RateLimit-Policy on every answer and Retry-After on its 429s.
type quotaFront struct {
	rate, burst float64
	shared      bool
	mu          sync.Mutex
	buckets     map[string]*frontBucket
}

type frontBucket struct {
	tokens float64
	last   time.Time
}

func (q *quotaFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.TLS.PeerCertificates[0].Subject.CommonName
	if q.shared {
		key = ""
	}
	allowed, remaining, retry, reset := q.take(key, time.Now())
	secs := func(s float64) int { return int(math.Ceil(s)) }
	w.Header().Set("RateLimit-Policy", fmt.Sprintf(`"default";q=%d;w=%d`, int(q.burst), secs(q.burst/q.rate)))
	w.Header().Set("RateLimit", fmt.Sprintf(`"default";r=%d;t=%d`, remaining, secs(reset)))
	if !allowed {
		w.Header().Set("Retry-After", fmt.Sprint(secs(retry)))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	fmt.Fprintln(w, "ok")
}

// take spends a token of key; it returns the tokens left, the seconds
// until one is back and until the bucket is full.
func (q *quotaFront) take(key string, now time.Time) (bool, int, float64, float64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.buckets[key]
	if b == nil {
		b = &frontBucket{tokens: q.burst, last: now}
		q.buckets[key] = b
	}
	b.tokens = min(q.burst, b.tokens+now.Sub(b.last).Seconds()*q.rate)
	b.last = now
	allowed := b.tokens >= 1
	if allowed {
		b.tokens--
	}
	return allowed, int(b.tokens), max(0, (1-b.tokens)/q.rate), (q.burst - b.tokens) / q.rate
}

// drainPeer spends the peer's budget at front, as earlier checks of a scan
// (the noisy-neighbour samples) do.
func drainPeer(t *testing.T, tg *target.Target, url string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: tg.CA.Pool(), Certificates: []tls.Certificate{tg.Peer.TLSCertificate()}, MinVersion: tls.VersionTLS12,
	}}}
	defer client.CloseIdleConnections()
	status := 0
	for range 8 {
		resp, err := client.Get(url + "/whoami")
		if err != nil {
			t.Fatal(err)
		}
		status = resp.StatusCode
		_ = resp.Body.Close()
	}
	if status != http.StatusTooManyRequests {
		t.Fatalf("peer not drained: last answer %d", status)
	}
}

// TestSharedLimitWithQuotaHeaders: a per-identity limit whose peer bucket
// earlier traffic drained is no shared limit (the peer's budget is
// checked, and waited for, before the burst); a shared one is found, with
// the peer's quota before and after as evidence.
func TestSharedLimitWithQuotaHeaders(t *testing.T) {
	cases := []struct {
		name   string
		shared bool
		drain  bool
		want   want
	}{
		{"per identity, peer drained", false, true, want{status: finding.Passed,
			reason: `^primary throttled after \d+ requests; the peer's next GET /whoami → 200$`}},
		{"per identity", false, false, want{status: finding.Passed, reason: `the peer's next GET /whoami → 200$`}},
		{"shared", true, false, want{status: finding.Failed, findings: 1, severity: finding.Medium, path: "/whoami", evidence: []string{
			`^the primary identity was throttled after \d requests$`,
			`^the primary's GET /whoami → 429 \(policy "default", remaining 0, reset 2s\)$`,
			`^before the burst the peer's GET /whoami → 200 \(policy "default", remaining \d, reset \ds\)$`,
			`^the peer's next GET /whoami → 429 \(policy "default", remaining 0, reset 2s\)$`,
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := startTarget(t, target.Vulnerable())
			url := serveTLS(t, tg, &quotaFront{rate: 2, burst: 4, shared: tc.shared, buckets: map[string]*frontBucket{}})
			if tc.drain {
				drainPeer(t, tg, url)
			}
			cfg := config(t, tg, "RATE-SHARED-LIMIT")
			cfg.Target, cfg.Contract, cfg.Paths = url, nil, []string{"/whoami"}
			rep := run(t, cfg)
			assertCheck(t, rep, "RATE-SHARED-LIMIT", tc.want)
		})
	}
}

// TestSpoofDemoApp: the fragile demo app trusts X-SSL-Client-S-DN-CN in
// either spelling; with only its spec, the probe finds GET /api/whoami.
func TestSpoofDemoApp(t *testing.T) {
	tg := startTarget(t, target.Vulnerable())
	url := serveTLS(t, tg, demo.NewApp(demo.AppOptions{}))
	spec, err := openapi.Parse("app_openapi.yaml", demo.AppSpec())
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t, tg, "ID-SPOOFABLE-HEADER")
	cfg.Target, cfg.Contract = url, scan.NewContract(spec, nil)
	rep := run(t, cfg)
	assertCheck(t, rep, "ID-SPOOFABLE-HEADER", want{status: finding.Failed, findings: 1, severity: finding.Critical, path: "/api/whoami",
		evidence: []string{
			`^GET /api/whoami → 200 \{"cn":"anonymous"\}$`,
			`^GET /api/whoami with every identity header claiming "admin" → 200 \{"cn":"admin"\}$`,
			`^X-SSL-Client-S-DN-CN: admin alone changes the answer \(200 \{"cn":"admin"\}\)$`,
			`^X_SSL_CLIENT_S_DN_CN: admin alone changes the answer`,
			`^X-SSL-Client-CN: admin alone changes the answer`,
		}})
	var paths []string
	for _, s := range rep.Sent {
		if s.Check == "ID-SPOOFABLE-HEADER" && !slices.Contains(paths, s.Path) {
			paths = append(paths, s.Path)
		}
	}
	if !slices.Equal(paths, []string{"/api/whoami"}) {
		t.Errorf("spoofing probe sent to %v; want /api/whoami alone, the spec's identity operation", paths)
	}
}
