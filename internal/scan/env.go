package scan

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Identity names one of the client identities a scan presents.
type Identity string

// The identities. Primary is required; Peer, Low and Expired come from the
// user; NoCert presents no certificate; Untrusted presents a certificate
// from a CA the scanner makes for itself.
const (
	Primary   Identity = "primary"
	Peer      Identity = "peer"
	Low       Identity = "low"
	Expired   Identity = "expired"
	NoCert    Identity = "none"
	Untrusted Identity = "untrusted"
)

// hints tells the user how to supply an identity a check needs.
var hints = map[Identity]string{
	Peer:    "a second identity (--peer-cert/--peer-key)",
	Low:     "a low-privilege identity (--low-cert/--low-key)",
	Expired: "an expired certificate from the server's CA (--ca-key, or --expired-cert/--expired-key)",
}

// maxBodyRead bounds how much of a response a check reads.
const maxBodyRead = 64 << 10

// Env is what a check runs against: the target, a client per identity, the
// operations and paths to probe, the baseline, the budget and the contract.
// Every request a check sends through Env is paced, counted and recorded
// under the check's ID.
type Env struct {
	Target   *url.URL
	Ops      []Operation // from the spec; empty without one
	Paths    []string    // --path entries; "/" when none and no spec
	Passive  bool
	MaxBody  int64 // largest body a payload probe sends
	Timing   Timing
	Baseline Baseline
	Contract *Contract // nil without a spec
	Budget   *Budget

	check  string
	shared *shared
}

// shared is the per-scan state behind every Env of a scan.
type shared struct {
	bases   map[Identity]*http.Transport
	tls     map[Identity]*tls.Config
	gates   map[Identity]*gate
	rec     *recorder
	logf    func(format string, args ...any)
	memoMu  sync.Mutex
	memo    map[string]*memoEntry
	clients sync.Map // clientKey → *http.Client
}

type clientKey struct {
	check string
	id    Identity
}

type memoEntry struct {
	once sync.Once
	val  any
}

// ForCheck returns a copy of e whose requests are recorded under id.
func (e *Env) ForCheck(id string) *Env {
	c := *e
	c.check = id
	return &c
}

// Has reports whether the scan has identity id.
func (e *Env) Has(id Identity) bool { return e.shared.tls[id] != nil }

// Client returns the HTTP client of identity id for this check, or nil when
// the scan has no such identity.
func (e *Env) Client(id Identity) *http.Client {
	base := e.shared.bases[id]
	if base == nil {
		return nil
	}
	k := clientKey{e.check, id}
	if c, ok := e.shared.clients.Load(k); ok {
		return c.(*http.Client)
	}
	c := &http.Client{
		Transport: &transport{
			base: base, budget: e.Budget, gate: e.shared.gates[id],
			rec: e.shared.rec, check: e.check, maxWait: e.Timing.RetryMaxWait,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	actual, _ := e.shared.clients.LoadOrStore(k, c)
	return actual.(*http.Client)
}

// Once runs f the first time key is asked for in this scan and returns its
// result every time, so that checks sharing one probe (a burst) send it once.
func (e *Env) Once(key string, f func() any) any {
	e.shared.memoMu.Lock()
	m := e.shared.memo[key]
	if m == nil {
		m = &memoEntry{}
		e.shared.memo[key] = m
	}
	e.shared.memoMu.Unlock()
	m.once.Do(func() { m.val = f() })
	return m.val
}

// Logf writes a progress line.
func (e *Env) Logf(format string, args ...any) {
	if e.shared.logf != nil {
		e.shared.logf(e.check+": "+format, args...)
	}
}

// URL resolves a path (with an optional query) against the target.
func (e *Env) URL(path string) string {
	u := *e.Target
	ref, err := url.Parse(path)
	if err != nil {
		u.Path = path
		return u.String()
	}
	return u.ResolveReference(ref).String()
}

// Request is one HTTP request a check sends.
type Request struct {
	Method      string
	Path        string // path and optional query, resolved against the target
	Header      http.Header
	Body        []byte
	ContentType string
	NoRetry     bool          // return 429/503 as they come: the probe measures throttling
	Timeout     time.Duration // zero means Timing.RequestTimeout
	Note        string        // shown in the "what was sent" list
}

// Response is what came back: a status, headers, the first 64 KiB of the
// body and the latency, or the error that ended the exchange.
type Response struct {
	Status  int
	Header  http.Header
	Body    []byte
	Latency time.Duration
	Err     error
}

// Throttled reports a 429, or a 503 with Retry-After.
func (r Response) Throttled() bool {
	return r.Status == http.StatusTooManyRequests ||
		(r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") != "")
}

// OverBudget reports that the request was refused by the scan's budget.
func (r Response) OverBudget() bool { return errors.Is(r.Err, ErrBudget) }

// OK reports a 2xx answer.
func (r Response) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Send sends req as identity id and reads the answer.
func (e *Env) Send(ctx context.Context, id Identity, req Request) Response {
	client := e.Client(id)
	if client == nil {
		return Response{Err: fmt.Errorf("identity %s not configured", id)}
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = e.Timing.RequestTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if req.NoRetry {
		ctx = withNoRetry(ctx)
	}
	if req.Note != "" {
		ctx = withNote(ctx, req.Note)
	}
	hr, err := e.newRequest(ctx, req)
	if err != nil {
		return Response{Err: err}
	}
	start := time.Now()
	resp, err := client.Do(hr)
	if err != nil {
		return Response{Err: err, Latency: time.Since(start)}
	}
	defer drain(resp)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Latency: time.Since(start), Err: err}
}

func (e *Env) newRequest(ctx context.Context, req Request) (*http.Request, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, e.URL(req.Path), body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, req.Path, err)
	}
	for k, vs := range req.Header {
		hr.Header[k] = vs // as spelled: identity-header probes need '_' and odd case kept
	}
	if req.ContentType != "" {
		hr.Header.Set("Content-Type", req.ContentType)
	}
	hr.Header.Set("User-Agent", "mtlsguard-scan")
	return hr, nil
}

// DialTLS opens a TLS connection to the target as identity id, with the
// config changed by adjust (nil for none), inside the connection budget.
// The caller closes the connection.
func (e *Env) DialTLS(ctx context.Context, id Identity, note string, adjust func(*tls.Config)) (*tls.Conn, error) {
	base := e.shared.tls[id]
	if base == nil {
		return nil, fmt.Errorf("identity %s not configured", id)
	}
	cfg := base.Clone()
	if adjust != nil {
		adjust(cfg)
	}
	e.shared.rec.addConn(e.check, note)
	raw, err := e.Budget.dial(ctx, "tcp", hostPort(e.Target))
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, cfg)
	hctx, cancel := context.WithTimeout(ctx, e.Timing.RequestTimeout)
	defer cancel()
	if err := conn.HandshakeContext(hctx); err != nil {
		_ = raw.Close()
		return nil, err
	}
	return conn, nil
}

// hostPort is the target's address with the default HTTPS port filled in.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "443")
}

// newTransport builds the HTTP/1.1 transport of one identity. Keep-alive
// is off for the identities that are expected to be refused.
func newTransport(b *Budget, cfg *tls.Config, keepAlive bool) *http.Transport {
	return &http.Transport{
		DialContext:           b.dial,
		TLSClientConfig:       cfg,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       10 * time.Second,
		DisableKeepAlives:     !keepAlive,
		ResponseHeaderTimeout: 0, // the request context bounds each exchange
	}
}

// clientTLS is the TLS config of one identity: its certificate (if any)
// and the roots that verify the server.
func clientTLS(cert *tls.Certificate, roots *x509.CertPool, serverName string) *tls.Config {
	cfg := &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return cfg
}
