package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// startNaiveTerminator serves upstream over mTLS the way many deployments
// do before mtlsguard: it verifies the client certificate, sets
// X-SSL-Client-S-DN-CN from it and forwards everything else unchanged (so
// X_SSL_Client_S_DN_CN, which WSGI reads as the same key, passes through),
// with no limits. The scanner needs TLS to probe the app "directly", and
// this is the TLS such an app gets. It runs in the test process and stops
// with the test.
func startNaiveTerminator(t *testing.T, pkiDir, upstream string) string {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	// A Director, not Rewrite: it keeps client-sent X-Forwarded-* and
	// every other header, as a naive terminator does.
	rp := httputil.NewSingleHostReverseProxy(target)
	director := rp.Director
	rp.Director = func(r *http.Request) {
		director(r)
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			r.Header.Set("X-SSL-Client-S-DN-CN", r.TLS.PeerCertificates[0].Subject.CommonName)
		}
	}
	srv := httptest.NewUnstartedServer(rp)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener.Close()
	srv.Listener = ln
	srv.TLS = naiveTLSConfig(t, pkiDir)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

func naiveTLSConfig(t *testing.T, pkiDir string) *tls.Config {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(pkiDir, "server.crt"), filepath.Join(pkiDir, "server.key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(pkiDir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
}
