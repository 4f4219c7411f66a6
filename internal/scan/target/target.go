// Package target runs deterministic in-process mTLS APIs for testing the
// scanner: a vulnerable variant with every weakness the checks look for,
// a hardened variant with none, and anything in between through Options.
// Every request the target gets is recorded.
//
// It is test equipment: loopback only, in memory, never for production.
package target

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// RateMode is how the target limits request rates.
type RateMode int

// Rate modes.
const (
	NoRate      RateMode = iota // no limit at all
	PerIdentity                 // one bucket per client identity
	Shared                      // one bucket for every client: a noisy-neighbour risk
)

// Options choose the target's behaviour. The zero value is the most
// vulnerable target; Hardened sets every guard.
type Options struct {
	VerifyClients     bool          // require a client certificate from the target's CA, unexpired
	ModernTLS         bool          // TLS 1.2+ with AEAD suites only; else TLS 1.0 and CBC suites too
	StripIDHeaders    bool          // ignore client-sent identity headers in /whoami
	Rate              RateMode      //
	RatePerSecond     float64       // refill of each bucket; default 20
	RateBurst         int           // bucket size; default 40
	RetryAfter        bool          // 429s carry Retry-After and RateLimit headers
	Workers           int           // requests worked on at once; default 4
	SlowDelay         time.Duration // /slow holds a worker this long; default 200 ms
	InflightPerClient int           // per-identity cap on requests in flight; 0 none
	MaxBody           int64         // request body cap (413 past it); 0 none
	MaxDepth          int           // JSON depth guard (400 past it); 0 none: crashes past 1,000 like Python
	RejectDTD         bool          // XML with a DOCTYPE gets 400; else entities are expanded
	MaxHeaderBytes    int           // 0 means Go's default, 1 MiB
	ReadHeaderTimeout time.Duration // 0 none
	EnforceSpec       bool          // body fields past the spec's limits get 422
	RoleCheck         bool          // /admin/ needs the admins OU
	CollapseAfter     int           // after this many requests every answer takes Collapse longer; 0 never
	Collapse          time.Duration
	Plain             bool // serve plain HTTP, for a TLS terminator in front; URL is then http://
}

// Vulnerable returns the options of the target with every weakness.
func Vulnerable() Options { return Options{} }

// Hardened returns the options of the target with every guard.
func Hardened() Options {
	return Options{
		VerifyClients: true, ModernTLS: true, StripIDHeaders: true,
		Rate: PerIdentity, RetryAfter: true, InflightPerClient: 2,
		MaxBody: 1 << 20, MaxDepth: 32, RejectDTD: true, MaxHeaderBytes: 16 << 10,
		ReadHeaderTimeout: time.Second, EnforceSpec: true, RoleCheck: true,
	}
}

func (o Options) withDefaults() Options {
	if o.RatePerSecond <= 0 {
		o.RatePerSecond = 20
	}
	if o.RateBurst <= 0 {
		o.RateBurst = 40
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.SlowDelay <= 0 {
		o.SlowDelay = 200 * time.Millisecond
	}
	return o
}

// Target is a running test API with its PKI.
type Target struct {
	URL     string // https://127.0.0.1:port
	CA      *pki.CA
	Primary *pki.Pair // CN alice, OU users
	Peer    *pki.Pair // CN bob, OU users
	Low     *pki.Pair // CN eve, OU readers
	Admin   *pki.Pair // CN root, OU admins
	Expired *pki.Pair // CN alice, expired a day ago

	srv  *http.Server
	ln   net.Listener
	app  *app
	done chan struct{}
}

// Start runs a target with opts on a loopback port.
func Start(opts Options) (*Target, error) {
	t, err := newPKI()
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	t.app = newApp(opts, t.CA)
	server, err := t.CA.Server()
	if err != nil {
		return nil, err
	}
	t.ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	t.srv = &http.Server{
		Handler:           t.app.routes(),
		TLSConfig:         serverTLS(opts, t.CA, server.TLSCertificate()),
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		IdleTimeout:       30 * time.Second, // else keep-alive conns close after ReadHeaderTimeout
		ErrorLog:          quietLog(),
	}
	t.URL = "https://" + t.ln.Addr().String()
	serve := func() error { return t.srv.ServeTLS(t.ln, "", "") }
	if opts.Plain {
		t.URL = "http://" + t.ln.Addr().String()
		serve = func() error { return t.srv.Serve(t.ln) }
	}
	t.done = make(chan struct{})
	go func() {
		defer close(t.done)
		_ = serve()
	}()
	return t, nil
}

func newPKI() (*Target, error) {
	ca, err := pki.NewCA("mtlsguard target CA")
	if err != nil {
		return nil, err
	}
	t := &Target{CA: ca}
	specs := []struct {
		dst  **pki.Pair
		spec pki.ClientSpec
	}{
		{&t.Primary, pki.ClientSpec{CN: "alice", OUs: []string{"users"}}},
		{&t.Peer, pki.ClientSpec{CN: "bob", OUs: []string{"users"}}},
		{&t.Low, pki.ClientSpec{CN: "eve", OUs: []string{"readers"}}},
		{&t.Admin, pki.ClientSpec{CN: "root", OUs: []string{"admins"}}},
		{&t.Expired, pki.ClientSpec{CN: "alice", OUs: []string{"users"}, Expired: true}},
	}
	for _, s := range specs {
		p, err := ca.Client(s.spec)
		if err != nil {
			return nil, err
		}
		*s.dst = p
	}
	return t, nil
}

// serverTLS is the target's TLS config: strict, or accepting any client
// certificate (or none) and legacy versions and suites.
func serverTLS(o Options, ca *pki.CA, cert tls.Certificate) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: ca.Pool()}
	if o.VerifyClients {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	} else {
		cfg.ClientAuth = tls.RequestClientCert
	}
	if o.ModernTLS {
		cfg.MinVersion = tls.VersionTLS12
		cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305}
		return cfg
	}
	cfg.MinVersion = tls.VersionTLS10
	cfg.CipherSuites = []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA,
	}
	return cfg
}

// Requests returns a copy of every request the target has received.
func (t *Target) Requests() []Recorded { return t.app.log.list() }

// Close stops the target and waits for it.
func (t *Target) Close() error {
	err := t.srv.Close()
	<-t.done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Recorded is one request the target received.
type Recorded struct {
	Method  string
	Path    string
	CN      string // the verified or presented client CN; "" without a certificate
	Header  http.Header
	BodyLen int64
	Status  int
}

type requestLog struct {
	mu   sync.Mutex
	reqs []Recorded
}

func (l *requestLog) add(r Recorded) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

func (l *requestLog) list() []Recorded {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Recorded(nil), l.reqs...)
}
