// Package proxy is mtlsguard's enforcing face: an mTLS-terminating reverse
// proxy that derives an identity from each verified client certificate and
// admits a request only within that identity's budget (connections, rate,
// in-flight requests, body size and shape, route allow lists) before it
// forwards it, with the identity in headers it has first stripped from the
// client's request.
//
// It is not a general-purpose gateway: one upstream, routes by path prefix,
// and limits keyed on certificate identities.
package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"

	"github.com/mtlsguard/mtlsguard/internal/admit"
	"github.com/mtlsguard/mtlsguard/internal/config"
	"github.com/mtlsguard/mtlsguard/internal/identity"
	"github.com/mtlsguard/mtlsguard/internal/limit"
	"github.com/mtlsguard/mtlsguard/internal/tlsconf"
)

// Options configure a Server. Config is required; a nil Logger logs nowhere;
// a nil Now is time.Now; a zero WatchInterval checks the TLS files every 2 s.
type Options struct {
	Config        *config.Config
	Logger        *slog.Logger
	Now           func() time.Time
	WatchInterval time.Duration
}

// Server is one proxy instance: its TLS material, limiter state, policy and
// metrics. Create it with New, run it with Serve.
type Server struct {
	cfg      *config.Config
	log      *slog.Logger
	now      func() time.Time
	watch    time.Duration
	tls      *tlsconf.Server
	policy   *policy
	idKind   identity.KeyKind
	rates    []*limit.Limiter // one per rate class
	inflight *limit.Counter
	conns    *limit.Counter
	admit    *admit.Controller // nil: fair admission off
	contract *contract         // nil: no openapi.spec
	strip    *identity.Stripper
	fwd      *identity.Forwarder
	rp       *httputil.ReverseProxy
	metrics  *metrics
	open     connTable
	recs     sync.Pool
}

// New checks the TLS files and builds a Server from a validated config.
func New(o Options) (*Server, error) {
	c := o.Config
	if c == nil {
		return nil, errors.New("proxy: no config")
	}
	s := &Server{cfg: c, log: o.Logger, now: o.Now, watch: o.WatchInterval}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.watch <= 0 {
		s.watch = 2 * time.Second
	}
	ts, err := tlsconf.NewServer(tlsconf.ServerOptions{
		CertFile: c.TLS.Cert, KeyFile: c.TLS.Key, ClientCAFile: c.TLS.ClientCA, CRLFile: c.TLS.CRL,
		MinVersion: c.TLS.MinVersion, NextProtos: []string{"h2", "http/1.1"}, Logger: s.log,
		OnReload: s.countReload,
	})
	if err != nil {
		return nil, err
	}
	s.tls = ts
	kind, err := identity.ParseKeyKind(string(c.Identity.Key))
	if err != nil {
		return nil, err
	}
	s.idKind = kind
	s.policy = compilePolicy(c)
	for range s.policy.classes {
		s.rates = append(s.rates, limit.NewLimiter(c.State.MaxIdentities))
	}
	s.inflight = limit.NewCounter(c.State.MaxIdentities)
	s.conns = limit.NewCounter(c.State.MaxIdentities)
	if s.admit, err = newAdmission(c.UpstreamCapacity); err != nil {
		return nil, err
	}
	if s.contract, err = loadContract(c.OpenAPI, s.log); err != nil {
		return nil, err
	}
	s.strip = identity.NewStripper(append(append([]string(nil), c.Identity.StripHeaders...), c.Identity.SignHeader))
	s.fwd = &identity.Forwarder{SignSecret: c.Identity.SignSecret, SignHeader: c.Identity.SignHeader}
	for _, f := range c.Identity.Forward {
		switch f {
		case "headers":
			s.fwd.Headers = true
		case "client-cert":
			s.fwd.ClientCert = true
		case "xfcc":
			s.fwd.XFCC = true
		}
	}
	s.open.m = map[net.Conn]*conn{}
	s.recs.New = func() any { return new(recorder) }
	s.rp = s.newReverseProxy()
	s.metrics = newMetrics(s)
	return s, nil
}

// Handler returns the proxy's request handler (for tests and embedding; Serve
// uses it).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// MetricsHandler serves the Prometheus metrics.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// Reload re-reads the server certificate, client CA and CRL. A bad file keeps
// the material already loaded and the error says which file and why (the
// tlsconf package logs it).
func (s *Server) Reload() error { return s.tls.Reload() }

// countReload counts every reload, from SIGHUP or from the file watch.
func (s *Server) countReload(err error) {
	if s.metrics == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.metrics.reloads.WithLabelValues(result).Inc()
}

func (s *Server) httpServer() *http.Server {
	t := s.cfg.Timeouts
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: t.ReadHeader,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    s.cfg.HTTP.MaxHeaderBytes,
		ConnContext:       s.connContext,
		ConnState:         s.connStateChanged,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: int(s.cfg.HTTP.MaxConcurrentStreams),
			MaxReadFrameSize:     1 << 20,
		},
	}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(true)
	return srv
}

// Serve accepts mTLS connections on ln until ctx is done, then stops
// accepting, lets admitted requests finish within timeouts.drain and returns
// nil. Certificate files are watched for changes while it runs.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.httpServer()
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.tls.Watch(wctx, s.watch)
	go s.sweep(wctx)

	if n := s.cfg.HTTP.MaxConnections; n > 0 {
		// Counted from accept, before the handshake: clients without a
		// valid certificate cannot hold more than this either.
		ln = netutil.LimitListener(ln, n)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(tls.NewListener(ln, s.tls.Config())) }()
	s.log.Info("proxy listening", "addr", ln.Addr().String(), "upstream", s.cfg.Upstream.String())
	select {
	case err := <-errc:
		return fmt.Errorf("proxy: serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.log.Info("draining", "max", s.cfg.Timeouts.Drain.String())
	dctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeouts.Drain)
	defer cancel()
	if err := srv.Shutdown(dctx); err != nil {
		s.log.Warn("drain time ran out; closing the remaining connections", "err", err)
		_ = srv.Close()
	}
	s.log.Info("stopped")
	return nil
}

// sweep drops limiter entries whose buckets are full again; dropping those
// gives no identity more budget than it has.
func (s *Server) sweep(ctx context.Context) {
	every := min(s.cfg.State.IdleTTL, 30*time.Second)
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := s.now()
			for _, l := range s.rates {
				l.Sweep(now)
			}
		}
	}
}

// Run listens on the configured addresses and serves until ctx is done. A
// metrics listener runs beside the proxy when metrics is set, and SIGHUP
// reloads the TLS material.
func Run(ctx context.Context, o Options) error {
	s, err := New(o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.Config.Listen, err)
	}
	if addr := o.Config.Metrics; addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listen %s: %w", addr, err)
		}
		msrv := &http.Server{Handler: s.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		s.log.Info("metrics listening", "addr", mln.Addr().String())
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				_ = s.Reload() // logged; a bad file keeps the old material
			}
		}
	}()
	return s.Serve(ctx, ln)
}
