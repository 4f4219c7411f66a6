package proxy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/limit"
)

// recorder remembers what happened to a request for the access log and
// metrics. It unwraps to the real ResponseWriter so that
// http.ResponseController (flushes, deadlines) reaches the connection.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	reason reason
	detail string
	// bodyFault is why a streamed request body ended early, if it did.
	bodyFault reason
	// queued is how long fair admission held the request back.
	queued time.Duration
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// reject answers with the problem for rs and records the decision.
func (w *recorder) reject(rs reason, detail string, retryAfter time.Duration) {
	w.reason = rs
	w.detail = detail
	writeProblem(w, rs, detail, retryAfter)
}

func (s *Server) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	start := s.now()
	w := s.recs.Get().(*recorder)
	*w = recorder{ResponseWriter: rw}
	s.metrics.inflight.Inc()
	c, _ := r.Context().Value(connKey{}).(*conn)
	if c == nil {
		c = &conn{} // handler used outside Serve: no connection state, no slot
	}
	// Deferred: the reverse proxy aborts the handler with a panic when the
	// client goes away mid-response; the gauge and the log must still close.
	defer s.finish(w, r, c, start)
	s.handle(w, r, c, start)
}

// finish counts and logs a request once it has been handled.
func (s *Server) finish(w *recorder, r *http.Request, c *conn, start time.Time) {
	s.metrics.inflight.Dec()
	if p := recover(); p != nil {
		if p != http.ErrAbortHandler {
			s.log.Error("handler panic", "panic", p)
		}
		if w.reason == reasonNone {
			w.reason = reasonClientGone
		}
		defer panic(p) // let net/http close the connection as it does for any abort
	}
	s.metrics.requests[w.reason].Inc()
	if s.cfg.Log.Access {
		s.accessLog(w, r, c, start)
	}
	*w = recorder{}
	s.recs.Put(w)
}

// handle runs the admission steps in the order of DESIGN.md and proxies the
// request when every one of them admits it.
func (s *Server) handle(w *recorder, r *http.Request, c *conn, now time.Time) {
	s.identify(c, r.TLS)
	if c.refused {
		w.reason = reasonConns
		s.refuseConn(w, r, c)
		return
	}
	if c.key == "" {
		w.reject(reasonNoIdentity, "the client certificate has no "+string(s.idKind)+" value, which identity.key names", 0)
		return
	}
	p := cleanPath(r.URL.Path)
	rt := s.policy.match(p, r.Method)
	if rt != nil && !rt.allowed(c.groups, c.key) {
		w.reject(reasonForbidden, "this identity is not in the allow list of route "+rt.prefix, 0)
		return
	}
	if !s.describedOperation(w, r.Method, p) {
		return
	}
	lim := s.policy.limitsFor(c.groups, rt)
	if lim.rateOn && !s.allowRate(w, c.key, lim, now) {
		return
	}
	if lim.maxInflight > 0 {
		if !s.inflight.Acquire(c.key, lim.maxInflight) {
			w.reject(reasonInflight, "this identity already has "+strconv.Itoa(lim.maxInflight)+" requests in flight", time.Second)
			return
		}
		defer s.inflight.Release(c.key)
	}
	if rs, detail := s.guardBody(w, r, lim); rs != reasonNone {
		if rs == reasonClientGone {
			w.reason = rs
			return
		}
		w.reject(rs, detail, 0)
		return
	}
	if p != r.URL.Path {
		r.URL.Path, r.URL.RawPath = p, ""
	}
	if s.admit != nil {
		s.proxyAdmitted(w, r, c.key, lim.weight)
		return
	}
	s.rp.ServeHTTP(w, r)
}

// allowRate applies the GCRA rate and sets the RateLimit headers, on allowed
// and refused responses alike.
func (s *Server) allowRate(w *recorder, key string, lim *limits, now time.Time) bool {
	d := s.rates[lim.class].Allow(key, lim.rate, now)
	if d.Overflow {
		w.reject(reasonTableFull, "the proxy tracks its maximum number of identities; retry shortly", time.Second)
		return false
	}
	h := w.Header()
	h.Set("RateLimit-Policy", lim.policyHeader)
	h.Set("RateLimit", rateLimitValue(lim.name, d))
	if !d.Allowed {
		w.reject(reasonRate, "rate limit of this identity exceeded; retry after the time in Retry-After", d.RetryAfter)
		return false
	}
	return true
}

// rateLimitValue renders the draft-ietf-httpapi-ratelimit-headers field
// `"name";r=REMAINING;t=SECONDS`.
func rateLimitValue(name string, d limit.Decision) string {
	b := make([]byte, 0, len(name)+24)
	b = append(b, name...)
	b = append(b, ";r="...)
	b = strconv.AppendInt(b, int64(max(d.Remaining, 0)), 10)
	b = append(b, ";t="...)
	t := 0
	if d.ResetAfter > 0 {
		t = ceilSeconds(d.ResetAfter)
	}
	b = strconv.AppendInt(b, int64(t), 10)
	return string(b)
}

func (s *Server) newReverseProxy() *httputil.ReverseProxy {
	up := s.cfg.Upstream
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: s.cfg.Timeouts.Upstream,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(up)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			s.strip.Strip(pr.Out.Header)
			// Request trailers arrive after the body, too late to strip; apps
			// have no use for them, so none are forwarded.
			pr.Out.Trailer = nil
			if c, _ := pr.In.Context().Value(connKey{}).(*conn); c != nil {
				s.fwd.Set(pr.Out.Header, &c.id, pr.Out, s.now())
			}
		},
		Transport:     &timedTransport{rt: tr, s: s},
		FlushInterval: -1,
		ErrorHandler:  s.upstreamError,
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// timedTransport measures the time to the upstream's response headers.
type timedTransport struct {
	rt http.RoundTripper
	s  *Server
}

func (t *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.rt.RoundTrip(r)
	d := time.Since(start)
	if err == nil {
		t.s.metrics.upstream.Observe(d.Seconds())
	}
	return resp, err
}

// upstreamError maps a failed upstream exchange to a problem: 413 when the
// client's streamed body passed max_body, 504 on timeouts, 502 otherwise.
func (s *Server) upstreamError(rw http.ResponseWriter, r *http.Request, err error) {
	w, ok := rw.(*recorder)
	if !ok {
		writeProblem(rw, reasonUpstreamError, "", 0)
		return
	}
	switch w.bodyFault {
	case reasonBodySize:
		w.reject(reasonBodySize, "request body exceeds max_body", 0)
		return
	case reasonBodyTimeout:
		w.reject(reasonBodyTimeout, "the request body did not arrive within timeouts.body", 0)
		return
	}
	if errors.Is(r.Context().Err(), context.Canceled) {
		w.reason = reasonClientGone
		return
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		w.reject(reasonUpstreamTimeout, "the upstream did not answer within timeouts.upstream", 0)
		return
	}
	s.log.Warn("upstream error", "err", err)
	w.reject(reasonUpstreamError, "the upstream could not be reached or broke the exchange", 0)
}

func (s *Server) accessLog(w *recorder, r *http.Request, c *conn, start time.Time) {
	decision := "allowed"
	if w.reason != reasonNone {
		decision = reasons[w.reason].name
	}
	attrs := []slog.Attr{
		slog.String("identity", c.key),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("proto", r.Proto),
		slog.Int("status", w.status),
		slog.String("decision", decision),
		slog.Int64("bytes", w.bytes),
		slog.Float64("latency_ms", float64(s.now().Sub(start).Microseconds())/1000),
		slog.Float64("queue_ms", float64(w.queued.Microseconds())/1000),
	}
	if w.detail != "" {
		attrs = append(attrs, slog.String("detail", w.detail))
	}
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}
