package demo

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

// NaiveIdentityHeader is the header the naive terminator sets to the
// verified client's common name. The fragile app's whoami falls back to it.
const NaiveIdentityHeader = "X-SSL-Client-CN"

// NewNaiveHandler returns the handler of a naive TLS terminator in front of
// upstream, set up the way many are: it forwards every request unchanged,
// client-sent identity headers included, and adds NaiveIdentityHeader with
// the certificate's common name instead of replacing it, so a client's copy
// reaches the app beside the verified one (and an '_' spelling of the same
// WSGI key is not touched at all). It has no limit of any kind.
//
// It is the "before" of the demo, never a model: mtlsguard proxy is the fix.
func NewNaiveHandler(upstream *url.URL) http.Handler {
	return &httputil.ReverseProxy{
		ErrorLog: log.New(io.Discard, "", 0), // clients that give up are part of the story
		// Director, unlike Rewrite, keeps every inbound header: that is the bug shown.
		Director: func(r *http.Request) {
			r.URL.Scheme, r.URL.Host = upstream.Scheme, upstream.Host
			r.Host = upstream.Host
			if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
				r.Header.Add(NaiveIdentityHeader, r.TLS.PeerCertificates[0].Subject.CommonName)
			}
		},
	}
}

// NaiveTLSConfig is the naive terminator's TLS: cert as the server
// certificate, and client certificates required and verified against
// clientCAs. The mTLS itself is sound; what lies behind it is not.
func NaiveTLSConfig(cert tls.Certificate, clientCAs *x509.CertPool) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    clientCAs,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
}

// NewNaiveServer returns the naive terminator as an http.Server with
// NaiveTLSConfig, to be started with ServeTLS(ln, "", ""). Like the handler
// it has no limits: no header, body or idle timeouts.
func NewNaiveServer(upstream *url.URL, cert tls.Certificate, clientCAs *x509.CertPool) *http.Server {
	return &http.Server{ // no timeouts on purpose: SLOW-LORIS is part of the story
		Handler:   NewNaiveHandler(upstream),
		TLSConfig: NaiveTLSConfig(cert, clientCAs),
		ErrorLog:  log.New(io.Discard, "", 0), // refused handshakes are expected, not news
	}
}
