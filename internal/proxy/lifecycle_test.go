package proxy

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// handshake dials the proxy and completes a TLS handshake plus one request,
// returning the first error. TLS 1.3 reports client-certificate refusals on
// the first read, so a request is needed to see them.
func handshake(addr string, cfg *tls.Config) error {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return err
	}
	buf := make([]byte, 12)
	if _, err := io.ReadFull(conn, buf); err != nil {
		return err
	}
	if string(buf[:12]) != "HTTP/1.1 200" {
		return &net.OpError{Op: "read", Err: io.ErrUnexpectedEOF}
	}
	return nil
}

func TestClientCertificatesRefused(t *testing.T) {
	p := newTestPKI(t)
	other, _ := pki.NewCA("other CA")
	stranger, _ := other.Client(pki.ClientSpec{CN: "mallory"})
	revoked := p.clients["bob"]
	crl, err := p.ca.CRL([]*big.Int{revoked.Cert.SerialNumber}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p.write(t, "ca.crl", crl)
	r := startProxyWith(t, p, newUpstream(t), "  crl: ca.crl\n", nil)
	base := func(c *pki.Pair) *tls.Config {
		cfg := &tls.Config{RootCAs: p.ca.Pool(), ServerName: "127.0.0.1"}
		if c != nil {
			cfg.Certificates = []tls.Certificate{c.TLSCertificate()}
		}
		return cfg
	}
	if err := handshake(r.addr, base(p.clients["alice"])); err != nil {
		t.Fatalf("valid client refused: %v", err)
	}
	for name, c := range map[string]*pki.Pair{"no cert": nil, "untrusted CA": stranger, "expired": p.clients["expired"], "revoked": revoked} {
		if err := handshake(r.addr, base(c)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	legacy := base(p.clients["alice"])
	legacy.MaxVersion = tls.VersionTLS11
	legacy.MinVersion = tls.VersionTLS10
	if err := handshake(r.addr, legacy); err == nil {
		t.Error("TLS 1.1 accepted")
	}
	if n := len(r.up.requests()); n != 1 {
		t.Errorf("upstream saw %d requests, want 1", n)
	}
}

func TestReloadServerCertificateKeepsConnections(t *testing.T) {
	r := startProxy(t, "", nil)
	c := r.client(t, "alice", false)
	if res := get(t, c, r.url("/ping")); res.status != 200 {
		t.Fatal(res.status)
	}
	serial := func() *big.Int {
		conn, err := tls.Dial("tcp", r.addr, &tls.Config{RootCAs: r.pki.ca.Pool(), ServerName: "127.0.0.1",
			Certificates: []tls.Certificate{r.pki.clients["bob"].TLSCertificate()}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber
	}
	before := serial()
	next, _ := r.pki.ca.Server("127.0.0.1")
	r.pki.write(t, "server.crt", next.CertPEM)
	r.pki.write(t, "server.key", next.KeyPEM)
	if err := r.srv.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := serial(); got.Cmp(next.Cert.SerialNumber) != 0 || got.Cmp(before) == 0 {
		t.Fatalf("after reload serial %v, want %v", got, next.Cert.SerialNumber)
	}
	// The keep-alive connection opened before the reload still works.
	if res := get(t, c, r.url("/ping")); res.status != 200 {
		t.Fatal(res.status)
	}
	// A broken file keeps the current certificate.
	r.pki.write(t, "server.crt", []byte("not a certificate"))
	if err := r.srv.Reload(); err == nil || !strings.Contains(err.Error(), "server.crt") {
		t.Fatalf("bad reload error = %v, want one naming server.crt", err)
	}
	if got := serial(); got.Cmp(next.Cert.SerialNumber) != 0 {
		t.Fatalf("bad file replaced the certificate")
	}
	rec := httptest.NewRecorder()
	r.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{`mtlsguard_tls_reloads_total{result="ok"} `, `mtlsguard_tls_reloads_total{result="error"} `} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s(the file watch may add reloads of its own, so no count is asserted)", want)
		}
	}
}

func TestReloadCRLOnFileChange(t *testing.T) {
	p := newTestPKI(t)
	empty, _ := p.ca.CRL(nil, time.Hour)
	p.write(t, "ca.crl", empty)
	r := startProxyWith(t, p, newUpstream(t), "  crl: ca.crl\n", nil)
	bob := &tls.Config{RootCAs: p.ca.Pool(), ServerName: "127.0.0.1", Certificates: []tls.Certificate{p.clients["bob"].TLSCertificate()}}
	if err := handshake(r.addr, bob); err != nil {
		t.Fatalf("bob before revocation: %v", err)
	}
	crl, _ := p.ca.CRL([]*big.Int{p.clients["bob"].Cert.SerialNumber}, time.Hour)
	p.write(t, "ca.crl", crl)
	deadline := time.Now().Add(10 * time.Second)
	for handshake(r.addr, bob) == nil {
		if time.Now().After(deadline) {
			t.Fatal("revocation never took effect (file watch)")
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestGracefulDrain(t *testing.T) {
	r := startProxy(t, "", nil)
	c := r.client(t, "alice", false)
	done := make(chan result, 1)
	go func() { done <- get(t, c, r.url("/hold")) }()
	<-r.up.entered
	r.cancel()
	// New connections are refused once draining starts.
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", r.addr, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting while draining")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-r.done:
		t.Fatalf("Serve returned before the admitted request finished: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	r.up.closeRelease()
	if res := <-done; res.status != 200 {
		t.Fatalf("admitted request: %d", res.status)
	}
	if err := <-r.done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	r.done <- nil // for the cleanup
}

func TestUpstreamFailures(t *testing.T) {
	r := startProxy(t, "timeouts:\n  upstream: 300ms\n", nil)
	c := r.client(t, "alice", false)
	problem(t, get(t, c, r.url("/sleep?d=2s")), 504, "upstream-timeout")
	r.up.Server.Close()
	problem(t, get(t, c, r.url("/ping")), 502, "upstream-unavailable")
}

func TestMetricsAndAccessLog(t *testing.T) {
	r := startProxy(t, "defaults:\n  rate: 1/m\n  burst: 1\n", nil)
	c := r.client(t, "alice", false)
	get(t, c, r.url("/ping"))
	get(t, c, r.url("/ping"))
	rec := httptest.NewRecorder()
	r.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`mtlsguard_requests_total{outcome="allowed",reason="none"} 1`,
		`mtlsguard_requests_total{outcome="rejected",reason="rate-limited"} 1`,
		`mtlsguard_tracked_identities 1`,
		`mtlsguard_upstream_duration_seconds_count 1`,
		`mtlsguard_identity_connections 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "alice") {
		t.Error("metrics carry an identity label")
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("%d access lines, want 2:\n%s", len(lines), r.logs.String())
	}
	if lines[0]["identity"] != "alice" || lines[0]["decision"] != "allowed" || lines[0]["status"] != float64(200) {
		t.Errorf("first line %v", lines[0])
	}
	if lines[0]["detail"] != nil {
		t.Errorf("an allowed request logged a detail: %v", lines[0]["detail"])
	}
	if lines[1]["decision"] != "rate-limited" || lines[1]["status"] != float64(429) ||
		lines[1]["detail"] != "rate limit of this identity exceeded; retry after the time in Retry-After" {
		t.Errorf("second line %v", lines[1])
	}
}
