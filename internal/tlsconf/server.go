// Package tlsconf builds the tls.Config of the mTLS server (client
// certificates required and verified against a client CA, revocation from
// a CRL) and of mTLS clients, and reloads the server's files while it runs.
//
// It reads certificates, keys and CRLs from files; it does not make them
// (see package pki) and does not say who a client is (see package identity).
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ServerOptions are the files and settings of a Server. CertFile, KeyFile
// and ClientCAFile are required.
type ServerOptions struct {
	CertFile     string // server certificate, PEM, leaf first then any chain
	KeyFile      string // its private key, PEM
	ClientCAFile string // CA certificates that sign client certificates, PEM
	CRLFile      string // optional: CRLs of those CAs, PEM or DER
	// MinVersion is the lowest TLS version accepted; zero means TLS 1.2.
	MinVersion uint16
	// NextProtos is the ALPN list offered, e.g. {"h2", "http/1.1"} for an
	// HTTP server. Set it here: the handshake uses the snapshot built from
	// these options, not the NextProtos of the Config() value.
	NextProtos []string
	// Logger receives reload and stale-CRL messages; nil means slog.Default().
	Logger *slog.Logger
	// OnReload, when set, is called after every Reload, including those
	// Watch makes, with its result (for a metric, say).
	OnReload func(err error)
}

// Server holds the current TLS material of an mTLS server and swaps it on
// Reload. Its methods are safe for concurrent use.
type Server struct {
	opts   ServerOptions
	log    *slog.Logger
	mu     sync.Mutex // serializes Reload
	cur    atomic.Pointer[material]
	stamps map[string]stamp // file stamps at the last load, for Watch; under mu
}

// material is one consistent snapshot: what a handshake uses.
type material struct {
	cert    *tls.Certificate
	cas     []*x509.Certificate
	revoked *revocations // nil without a CRL file
	conf    *tls.Config
}

// NewServer loads every file of o. Errors name the file, what is wrong with
// it and what to do.
func NewServer(o ServerOptions) (*Server, error) {
	if o.CertFile == "" || o.KeyFile == "" || o.ClientCAFile == "" {
		return nil, errors.New("server TLS needs a certificate, its key and a client CA file; set all three")
	}
	if o.MinVersion == 0 {
		o.MinVersion = tls.VersionTLS12
	}
	s := &Server{opts: o, log: o.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.stamps = s.readStamps()
	m := &material{}
	var err error
	if m.cert, err = loadPair(o.CertFile, o.KeyFile); err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}
	if m.cas, err = readCerts(o.ClientCAFile, "client CA"); err != nil {
		return nil, fmt.Errorf("client CA: %w", err)
	}
	if o.CRLFile != "" {
		if m.revoked, err = loadCRL(o.CRLFile, m.cas, time.Now(), s.log); err != nil {
			return nil, fmt.Errorf("client CRL: %w", err)
		}
	}
	s.install(m)
	return s, nil
}

// Config returns the server's tls.Config. It requires and verifies client
// certificates; its GetConfigForClient hands each new handshake the current
// snapshot, so a Reload reaches new connections and leaves open ones alone.
// Revocation is checked in VerifyConnection, which also runs on resumed
// sessions, against the CRL current at that handshake.
func (s *Server) Config() *tls.Config {
	m := s.cur.Load()
	return &tls.Config{
		MinVersion:         s.opts.MinVersion,
		CipherSuites:       aeadSuites,
		NextProtos:         s.opts.NextProtos,
		ClientAuth:         tls.RequireAndVerifyClientCert,
		ClientCAs:          m.conf.ClientCAs,
		Certificates:       m.conf.Certificates,
		VerifyConnection:   s.verifyConnection,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return s.cur.Load().conf, nil },
	}
}

// aeadSuites are the TLS 1.2 suites the server accepts: forward-secret
// ECDHE with AEAD ciphers only. Go's defaults still include CBC-mode suites,
// which a client could force; TLS 1.3 suites are not configurable and all
// AEAD.
var aeadSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// install makes m the current snapshot, building its tls.Config.
func (s *Server) install(m *material) {
	pool := x509.NewCertPool()
	for _, c := range m.cas {
		pool.AddCert(c)
	}
	m.conf = &tls.Config{
		MinVersion:       s.opts.MinVersion,
		CipherSuites:     aeadSuites,
		NextProtos:       s.opts.NextProtos,
		Certificates:     []tls.Certificate{*m.cert},
		ClientAuth:       tls.RequireAndVerifyClientCert,
		ClientCAs:        pool,
		VerifyConnection: s.verifyConnection,
	}
	s.cur.Store(m)
}

// verifyConnection refuses a client whose certificate, or any certificate
// it sent with it, is in the current CRL.
func (s *Server) verifyConnection(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("no client certificate")
	}
	revoked := s.cur.Load().revoked
	for _, c := range cs.PeerCertificates {
		if revoked.revoked(c) {
			return fmt.Errorf("client certificate %q (serial %x) is revoked", c.Subject.CommonName, c.SerialNumber)
		}
	}
	return nil
}

// Reload re-reads every file. A part whose file is bad (the certificate and
// key, the client CAs, the CRL) keeps its previous material; the error
// names each bad part and is also logged. New handshakes use the result;
// open connections are not touched.
func (s *Server) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stamps = s.readStamps()
	old := s.cur.Load()
	m := &material{cert: old.cert, cas: old.cas, revoked: old.revoked}
	var errs []error
	if cert, err := loadPair(s.opts.CertFile, s.opts.KeyFile); err != nil {
		errs = append(errs, fmt.Errorf("server certificate (keeping the previous one): %w", err))
	} else {
		m.cert = cert
	}
	if cas, err := readCerts(s.opts.ClientCAFile, "client CA"); err != nil {
		errs = append(errs, fmt.Errorf("client CA (keeping the previous one): %w", err))
	} else {
		m.cas = cas
	}
	if s.opts.CRLFile != "" {
		if rev, err := loadCRL(s.opts.CRLFile, m.cas, time.Now(), s.log); err != nil {
			errs = append(errs, fmt.Errorf("client CRL (keeping the previous one): %w", err))
		} else {
			m.revoked = rev
		}
	}
	s.install(m)
	err := errors.Join(errs...)
	s.logReload(m, err)
	if s.opts.OnReload != nil {
		s.opts.OnReload(err)
	}
	return err
}

func (s *Server) logReload(m *material, err error) {
	if err != nil {
		s.log.Error("TLS reload incomplete", "err", err)
		return
	}
	s.log.Info("TLS material reloaded",
		"cert_serial", fmt.Sprintf("%x", m.cert.Leaf.SerialNumber),
		"cert_not_after", m.cert.Leaf.NotAfter.UTC().Format(time.RFC3339),
		"client_cas", len(m.cas))
}
