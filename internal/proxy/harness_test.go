package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// testPKI is a CA, the proxy's server certificate and client certificates,
// written to a temporary directory as the proxy reads them.
type testPKI struct {
	dir     string
	ca      *pki.CA
	clients map[string]*pki.Pair
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	ca, err := pki.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Server("localhost", "127.0.0.1", "::1")
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{dir: t.TempDir(), ca: ca, clients: map[string]*pki.Pair{}}
	p.write(t, "ca.crt", ca.CertPEM())
	p.write(t, "server.crt", srv.CertPEM)
	p.write(t, "server.key", srv.KeyPEM)
	for name, spec := range map[string]pki.ClientSpec{
		"alice":   {CN: "alice", OUs: []string{"users"}},
		"bob":     {CN: "bob", OUs: []string{"users"}},
		"root":    {CN: "root", OUs: []string{"admins"}},
		"svc":     {CN: "svc", SPIFFE: "spiffe://example.org/ns/prod/sa/api"},
		"expired": {CN: "expired", Expired: true},
	} {
		c, err := ca.Client(spec)
		if err != nil {
			t.Fatal(err)
		}
		p.clients[name] = c
	}
	return p
}

func (p *testPKI) write(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// upstream is a real HTTP app that records what reaches it.
type upstream struct {
	*httptest.Server
	mu       sync.Mutex
	got      []*http.Request
	bodies   [][]byte
	noRecord bool          // benchmarks: keep nothing
	release  chan struct{} // /hold waits for it
	entered  chan struct{} // /hold signals arrival
}

func newUpstream(t testing.TB) *upstream {
	u := &upstream{release: make(chan struct{}), entered: make(chan struct{}, 64)}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			panic(http.ErrAbortHandler) // a truncated body: no answer, like a real app's worker dying on it
		}
		if u.noRecord {
			w.Write([]byte(`{"ok":true}`))
			return
		}
		u.mu.Lock()
		u.got = append(u.got, r.Clone(context.Background()))
		u.bodies = append(u.bodies, body)
		u.mu.Unlock()
		switch r.URL.Path {
		case "/hold":
			u.entered <- struct{}{}
			select {
			case <-u.release:
			case <-r.Context().Done():
				return
			}
		case "/sleep":
			d, _ := time.ParseDuration(r.URL.Query().Get("d"))
			time.Sleep(d)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "bytes": len(body)})
	}))
	t.Cleanup(func() {
		u.closeRelease()
		u.Server.Close()
	})
	return u
}

func (u *upstream) closeRelease() {
	select {
	case <-u.release:
	default:
		close(u.release)
	}
}

func (u *upstream) requests() []*http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]*http.Request(nil), u.got...)
}

// running is a proxy serving on loopback.
type running struct {
	srv    *Server
	addr   string
	pki    *testPKI
	up     *upstream
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProxy runs a proxy with the config body extra appended to the
// listen/upstream/tls lines the harness writes. now may be nil.
func startProxy(t testing.TB, extra string, now func() time.Time) *running {
	t.Helper()
	p := newTestPKI(t)
	up := newUpstream(t)
	return startProxyWith(t, p, up, extra, now)
}

func startProxyWith(t testing.TB, p *testPKI, up *upstream, extra string, now func() time.Time) *running {
	t.Helper()
	return startProxyEdit(t, p, up, extra, now, nil)
}

// startProxyEdit is startProxyWith with a last edit of the loaded config,
// for settings a file cannot express (such as every limit off).
func startProxyEdit(t testing.TB, p *testPKI, up *upstream, extra string, now func() time.Time, edit func(*config.Config)) *running {
	t.Helper()
	yml := "listen: 127.0.0.1:0\nupstream: " + up.URL + "\ntls:\n  cert: server.crt\n  key: server.key\n  client_ca: ca.crt\n" + extra
	path := p.write(t, "guard.yaml", []byte(yml))
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if edit != nil {
		edit(cfg)
	}
	logs := &syncBuffer{}
	srv, err := New(Options{Config: cfg, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Now: now, WatchInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("new proxy: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: srv, addr: ln.Addr().String(), pki: p, up: up, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { r.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(20 * time.Second):
			t.Error("proxy did not stop")
		}
	})
	return r
}

func (r *running) url(path string) string { return "https://" + r.addr + path }

// client returns an HTTP client presenting the named certificate ("" = none).
func (r *running) client(t testing.TB, name string, h2 bool) *http.Client {
	t.Helper()
	cfg := &tls.Config{RootCAs: r.pki.ca.Pool(), ServerName: "127.0.0.1"}
	if name != "" {
		c, ok := r.pki.clients[name]
		if !ok {
			t.Fatalf("no client %q", name)
		}
		cfg.Certificates = []tls.Certificate{c.TLSCertificate()}
	}
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: h2, MaxIdleConnsPerHost: 16}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 15 * time.Second}
}

// result is a response read whole.
type result struct {
	status int
	header http.Header
	body   string
	proto  int
	close  bool // the server announced Connection: close
}

func do(t testing.TB, c *http.Client, req *http.Request) result {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: string(b), proto: resp.ProtoMajor, close: resp.Close}
}

func get(t testing.TB, c *http.Client, url string, hdr ...string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	return do(t, c, req)
}

func post(t testing.TB, c *http.Client, url, contentType string, body io.Reader) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, body)
	req.Header.Set("Content-Type", contentType)
	return do(t, c, req)
}

// problem decodes an RFC 9457 body and checks its media type and status.
func problem(t testing.TB, r result, status int, kind string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(r.body), &p); err != nil {
		t.Fatalf("problem body %q: %v", r.body, err)
	}
	if p["type"] != ProblemBase+kind {
		t.Fatalf("problem type = %v, want %s", p["type"], ProblemBase+kind)
	}
	if int(p["status"].(float64)) != status {
		t.Fatalf("problem status = %v, want %d", p["status"], status)
	}
	return p
}

// fakeClock is a settable time source.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n\t") }
