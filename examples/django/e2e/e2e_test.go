// Package e2e runs the example Django API (examples/django/api) under
// gunicorn, reaches it directly and through mtlsguard proxy configured with
// examples/django/guard.yaml, and asserts what the proxy changes. It needs
// Debian's python3-django and gunicorn for /usr/bin/python3 and skips, saying
// so, when they are missing.
//
// "Directly" is plain HTTP to gunicorn's port. The app has no TLS of its own,
// and that is how any client that reaches the port (a neighbour on the
// network, a misrouted load balancer) talks to it, with whatever identity
// headers it likes to send: exactly what a TLS terminator that forwards
// client headers unchanged would pass on.
package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const problemBase = "https://mtlsguard.dev/problems/"

// certificates the test issues: name → OU.
var certificates = []struct{ cn, ou string }{
	{"alice", ""}, {"bob", ""}, {"mallory", ""}, {"admin", "admins"},
	{"victim", ""}, {"abuser", ""}, {"scanner", ""}, {"scanner-peer", ""}, {"probe", ""},
}

// stack is the running system: two gunicorns serving the same app, one
// without and one with MtlsguardMiddleware, each behind its own mtlsguard.
type stack struct {
	bin, dir, pki string
	secret        string
	direct        string // http://, gunicorn, middleware off
	signedDirect  string // http://, gunicorn, middleware on
	proxy         string // https://, mtlsguard → direct
	signedProxy   string // https://, mtlsguard → signedDirect
	plain         *http.Client
	clients       map[string]*http.Client
	fingerprints  map[string]string
}

func TestDjangoBehindMtlsguard(t *testing.T) {
	requireDjango(t)
	requireGunicorn(t)
	s := startStack(t)
	t.Run("deep JSON", s.testDeepJSON)
	t.Run("burst", s.testBurst)
	t.Run("spoofed identity headers", s.testSpoofedIdentity)
	t.Run("admin route", s.testAdminRoute)
	t.Run("middleware refuses bypass", s.testMiddlewareRefusesBypass)
	t.Run("middleware admits proxied", s.testMiddlewareAdmitsProxied)
	t.Run("scan", s.testScan)
	t.Run("noisy neighbour", s.testNoisyNeighbour)
}

func startStack(t *testing.T) *stack {
	dir := t.TempDir()
	s := &stack{
		dir: dir, pki: filepath.Join(dir, "certs"), secret: randomSecret(t),
		plain:   &http.Client{Timeout: clientTimeout},
		clients: map[string]*http.Client{}, fingerprints: map[string]string{},
	}
	start := time.Now()
	s.bin = buildMtlsguard(t, dir)
	t.Logf("built mtlsguard in %v", time.Since(start).Round(time.Millisecond))
	s.makePKI(t)
	var naive, signed *process
	naive, s.direct = s.startGunicorn(t, "gunicorn", "4", "MTLSGUARD_REQUIRE_SIGNATURE=0")
	signed, s.signedDirect = s.startGunicorn(t, "gunicorn-signed", "2",
		"MTLSGUARD_REQUIRE_SIGNATURE=1", "MTLSGUARD_SIGN_SECRET="+s.secret)
	naive.waitReady(t, s.plain, s.direct+"/healthz")
	signed.waitReady(t, s.plain, s.signedDirect+"/healthz")
	s.proxy = s.startProxy(t, "mtlsguard", s.direct)
	s.signedProxy = s.startProxy(t, "mtlsguard-signed", s.signedDirect)
	t.Logf("stack ready in %v", time.Since(start).Round(time.Millisecond))
	return s
}

func randomSecret(t *testing.T) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "e2e-" + hex.EncodeToString(b) // 52 bytes, printable, like a real one in an env file
}

// makePKI creates dir/certs with the CLI, as the README tells users to.
func (s *stack) makePKI(t *testing.T) {
	run(t, s.dir, s.bin, "certs", "init", "--dir", s.pki)
	for _, c := range certificates {
		argv := []string{s.bin, "certs", "issue", "--dir", s.pki, "--cn", c.cn}
		if c.ou != "" {
			argv = append(argv, "--ou", c.ou)
		}
		run(t, s.dir, argv...)
		s.clients[c.cn], s.fingerprints[c.cn] = mtlsClient(t, s.pki, c.cn)
	}
}

// startGunicorn serves the app with gunicorn.conf.py on a socket it inherits.
func (s *stack) startGunicorn(t *testing.T, name, workers string, env ...string) (*process, string) {
	ln, addr := loopbackListener(t)
	env = append(env, "GUNICORN_BIND=fd://3", "GUNICORN_WORKERS="+workers, "PYTHONDONTWRITEBYTECODE=1")
	p := startProcess(t, name, filepath.Join(djangoDir(t), "api"), env, []*os.File{ln},
		systemPython, "-m", "gunicorn", "-c", "gunicorn.conf.py", "service.wsgi")
	return p, "http://" + addr
}

// startProxy runs mtlsguard with guard.yaml in front of upstream and waits
// until it answers. The config takes an address, not a socket, so a port
// taken between choosing and binding it is retried with another.
func (s *stack) startProxy(t *testing.T, name, upstream string) string {
	const attempts = 3
	for i := range attempts {
		addr := freeAddr(t)
		cfg := guardConfig(t, s.dir, name+".yaml", addr, upstream)
		p := startProcess(t, fmt.Sprintf("%s-%d", name, i), s.dir, []string{"MTLSGUARD_SIGN_SECRET=" + s.secret}, nil,
			s.bin, "proxy", "-c", cfg)
		err := p.ready(s.clients["probe"], "https://"+addr+"/healthz")
		if err == nil {
			return "https://" + addr
		}
		log := tail(p.log, 6<<10)
		if !errors.Is(err, errExited) || !strings.Contains(log, "address already in use") {
			t.Fatalf("%s: %v\n%s", name, err, log)
		}
	}
	t.Fatalf("%s: no free port in %d attempts", name, attempts)
	return ""
}

func (s *stack) testDeepJSON(t *testing.T) {
	deep := []byte(strings.Repeat("[", 5000) + strings.Repeat("]", 5000))
	flat := []byte(`{"name":"widget","tags":["a","b"]}`)
	cases := []struct {
		name    string
		base    string
		client  *http.Client
		body    []byte
		status  int
		problem string
	}{
		{"flat, direct", s.direct, s.plain, flat, http.StatusCreated, ""},
		{"flat, through the proxy", s.proxy, s.clients["alice"], flat, http.StatusCreated, ""},
		// json.loads raises RecursionError: the app answers 500.
		{"depth 5000, direct", s.direct, s.plain, deep, http.StatusInternalServerError, ""},
		{"depth 5000, through the proxy", s.proxy, s.clients["alice"], deep, http.StatusBadRequest, problemBase + "json-depth"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := send(t, c.client, http.MethodPost, c.base+"/api/items", c.body, nil)
			if r.status != c.status || r.problemType() != c.problem {
				t.Fatalf("status %d, problem %q; want %d, %q; body: %.300q", r.status, r.problemType(), c.status, c.problem, r.body)
			}
		})
	}
}

func (s *stack) testBurst(t *testing.T) {
	const n = 60
	t.Run("direct", func(t *testing.T) {
		b := sendBurst(t, s.plain, s.direct+"/api/ping", n)
		if b.statuses[http.StatusOK] != n || len(b.statuses) != 1 {
			t.Fatalf("statuses %v; want all %d 200: gunicorn has no limit", b.statuses, n)
		}
	})
	t.Run("through the proxy", func(t *testing.T) {
		b := sendBurst(t, s.clients["mallory"], s.proxy+"/api/ping", n)
		ok, limited := b.statuses[http.StatusOK], b.statuses[http.StatusTooManyRequests]
		if ok+limited != n || limited == 0 {
			t.Fatalf("statuses %v; want 200s and at least one 429, %d in all", b.statuses, n)
		}
		// GCRA admits at most burst+1 at once and rate per second after.
		rate, burst := guardDefaults(t)
		if most := burst + 1 + int(rate*b.elapsed.Seconds()+1); ok > most {
			t.Fatalf("%d admitted in %v; guard.yaml allows at most %d", ok, b.elapsed, most)
		}
		if b.problems[problemBase+"rate-limited"] != limited || b.withoutRetryAfter != 0 {
			t.Fatalf("429 problems %v, %d without Retry-After; want %d rate-limited, all with Retry-After",
				b.problems, b.withoutRetryAfter, limited)
		}
	})
}

// burstResult counts the answers to a burst.
type burstResult struct {
	statuses          map[int]int
	problems          map[string]int
	withoutRetryAfter int // 429s without Retry-After
	elapsed           time.Duration
}

// sendBurst sends n GETs from two goroutines, as fast as answers come.
// Two in flight stays below every max_inflight of guard.yaml, so only the
// rate limit can refuse.
func sendBurst(t *testing.T, c *http.Client, url string, n int) burstResult {
	const workers = 2
	replies := make(chan reply, n)
	start := time.Now()
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := w; i < n; i += workers {
				r, err := do(c, http.MethodGet, url, nil, nil)
				if err != nil {
					t.Error(err)
				}
				replies <- r
			}
		}()
	}
	for range workers {
		<-done
	}
	b := burstResult{statuses: map[int]int{}, problems: map[string]int{}, elapsed: time.Since(start)}
	close(replies)
	for r := range replies {
		b.statuses[r.status]++
		if r.status == http.StatusTooManyRequests {
			b.problems[r.problemType()]++
			if r.header.Get("Retry-After") == "" {
				b.withoutRetryAfter++
			}
		}
	}
	return b
}

// whoami is the body of GET /api/whoami.
type whoami struct {
	CN       string `json:"cn"`
	Verified *struct {
		CN          string `json:"cn"`
		DN          string `json:"dn"`
		Fingerprint string `json:"fingerprint"`
		SPIFFE      string `json:"spiffe"`
	} `json:"verified"`
}

func getWhoami(t *testing.T, c *http.Client, url string, header map[string]string) whoami {
	t.Helper()
	r := send(t, c, http.MethodGet, url, nil, header)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %.300s", url, r.status, r.body)
	}
	var w whoami
	if err := json.Unmarshal(r.body, &w); err != nil {
		t.Fatalf("GET %s: %v: %.300s", url, err, r.body)
	}
	return w
}

func (s *stack) testSpoofedIdentity(t *testing.T) {
	// Both spellings become HTTP_X_SSL_CLIENT_S_DN_CN under WSGI.
	for _, name := range []string{"X-SSL-Client-S-DN-CN", "X_SSL_Client_S_DN_CN"} {
		spoof := map[string]string{name: "admin"}
		t.Run(name+", direct", func(t *testing.T) {
			if w := getWhoami(t, s.plain, s.direct+"/api/whoami", spoof); w.CN != "admin" {
				t.Fatalf("whoami cn %q; want the spoofed admin: the app believes the header", w.CN)
			}
		})
		t.Run(name+", through the proxy", func(t *testing.T) {
			if w := getWhoami(t, s.clients["alice"], s.proxy+"/api/whoami", spoof); w.CN != "alice" {
				t.Fatalf("whoami cn %q; want alice, the certificate's CN", w.CN)
			}
		})
	}
}

func (s *stack) testAdminRoute(t *testing.T) {
	cases := []struct {
		name    string
		base    string
		client  *http.Client
		status  int
		problem string
	}{
		{"anyone, direct", s.direct, s.plain, http.StatusOK, ""},
		{"bob, through the proxy", s.proxy, s.clients["bob"], http.StatusForbidden, problemBase + "forbidden-route"},
		{"OU=admins, through the proxy", s.proxy, s.clients["admin"], http.StatusOK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := send(t, c.client, http.MethodGet, c.base+"/api/admin/users", nil, nil)
			if r.status != c.status || r.problemType() != c.problem {
				t.Fatalf("status %d, problem %q; want %d, %q; body: %.300q", r.status, r.problemType(), c.status, c.problem, r.body)
			}
			if c.status == http.StatusOK && !strings.Contains(string(r.body), `"users"`) {
				t.Fatalf("body %.300s; want the user list", r.body)
			}
		})
	}
}
