package demo

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// naiveFixture is a naive terminator on a real TLS listener in front of an
// upstream, and the certificates to talk to it.
type naiveFixture struct {
	url                       string
	roots                     *x509.CertPool
	alice, untrusted, expired tls.Certificate
}

// startNaive puts the naive terminator in front of upstream.
func startNaive(t *testing.T, upstream http.Handler) naiveFixture {
	t.Helper()
	ca, err := pki.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := pki.NewCA("other CA")
	if err != nil {
		t.Fatal(err)
	}
	issue := func(ca *pki.CA, spec pki.ClientSpec) tls.Certificate {
		p, err := ca.Client(spec)
		if err != nil {
			t.Fatal(err)
		}
		return p.TLSCertificate()
	}
	server, err := ca.Server()
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(upstream)
	t.Cleanup(app.Close)
	appURL, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewNaiveServer(appURL, server.TLSCertificate(), ca.Pool())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return naiveFixture{
		url: "https://" + ln.Addr().String(), roots: ca.Pool(),
		alice:     issue(ca, pki.ClientSpec{CN: "alice"}),
		untrusted: issue(other, pki.ClientSpec{CN: "alice"}),
		expired:   issue(ca, pki.ClientSpec{CN: "alice", Expired: true}),
	}
}

// client returns an HTTP client presenting cert (none when nil).
func (f naiveFixture) client(t *testing.T, cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: f.roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	tr := &http.Transport{TLSClientConfig: cfg}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// recorder is an upstream that keeps the headers of every request.
type recorder struct {
	mu      sync.Mutex
	headers []http.Header
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.headers = append(r.headers, req.Header.Clone())
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *recorder) got() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.headers
}

// valuesOf returns the values of every header whose name matches name
// case-insensitively, '-' and '_' kept apart.
func valuesOf(h http.Header, name string) []string {
	var out []string
	for k, vs := range h {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	return out
}

func TestNaiveForwardsClientIdentityHeaders(t *testing.T) {
	rec := &recorder{}
	f := startNaive(t, rec)
	cases := []struct {
		name   string
		sent   map[string]string
		header string
		want   []string
	}{
		{"no spoof: the verified CN alone", nil, "X-SSL-Client-CN", []string{"alice"}},
		{"dash spelling: client copy first, verified CN added", map[string]string{"X-SSL-Client-CN": "admin"}, "X-SSL-Client-CN", []string{"admin", "alice"}},
		{"underscore spelling passes untouched", map[string]string{"X_SSL_Client_CN": "admin"}, "X_SSL_Client_CN", []string{"admin"}},
		{"other identity headers pass", map[string]string{"X-Remote-User": "admin"}, "X-Remote-User", []string{"admin"}},
		{"XFCC passes", map[string]string{"X-Forwarded-Client-Cert": `Subject="CN=admin"`}, "X-Forwarded-Client-Cert", []string{`Subject="CN=admin"`}},
	}
	c := f.client(t, &f.alice)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, f.url+"/api/whoami", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.sent {
				req.Header[k] = []string{v} // as spelled
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("status %d, want 204", resp.StatusCode)
			}
			got := rec.got()
			if len(got) != i+1 {
				t.Fatalf("upstream saw %d requests, want %d", len(got), i+1)
			}
			if v := valuesOf(got[i], tc.header); !slices.Equal(v, tc.want) {
				t.Errorf("upstream %s = %q, want %q", tc.header, v, tc.want)
			}
		})
	}
}

func TestNaiveSpoofReachesFragileApp(t *testing.T) {
	f := startNaive(t, NewApp(AppOptions{}))
	c := f.client(t, &f.alice)
	cases := []struct {
		name string
		sent map[string]string
		want string
	}{
		{"plain", nil, `{"cn":"alice"}`},
		{"dash copy loses to the added CN", map[string]string{"X-SSL-Client-CN": "admin"}, `{"cn":"alice"}`},
		{"underscore copy wins", map[string]string{"X_SSL_Client_CN": "admin"}, `{"cn":"admin"}`},
		{"a header the terminator never sets", map[string]string{"X-SSL-Client-S-DN-CN": "admin"}, `{"cn":"admin"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, f.url+"/api/whoami", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.sent {
				req.Header[k] = []string{v}
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != tc.want {
				t.Errorf("got %d %s, want 200 %s", resp.StatusCode, body, tc.want)
			}
		})
	}
}

func TestNaiveRefusesUncertifiedClients(t *testing.T) {
	rec := &recorder{}
	f := startNaive(t, rec)
	cases := []struct {
		name string
		cert *tls.Certificate
	}{
		{"no certificate", nil},
		{"untrusted CA", &f.untrusted},
		{"expired", &f.expired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.client(t, tc.cert).Get(f.url + "/api/ping")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("got %d, want the handshake refused", resp.StatusCode)
			}
		})
	}
	if n := len(rec.got()); n != 0 {
		t.Errorf("upstream saw %d requests, want 0", n)
	}
}
