package target

import (
	"encoding/json"
	"io"
	"log"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/pki"
)

// app is the target's HTTP side: middleware for limits and a handful of
// routes described by testdata/api.yaml.
type app struct {
	opts    Options
	ca      *pki.CA
	log     requestLog
	workers chan struct{}
	limiter *buckets
	mu      sync.Mutex
	flight  map[string]int
	served  int
}

func newApp(o Options, ca *pki.CA) *app {
	return &app{
		opts: o, ca: ca, workers: make(chan struct{}, o.Workers),
		limiter: newBuckets(o.RatePerSecond, o.RateBurst), flight: map[string]int{},
	}
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", a.health)
	mux.HandleFunc("GET /whoami", a.whoami)
	mux.HandleFunc("GET /slow", a.slow)
	mux.HandleFunc("GET /items", a.listItems)
	mux.HandleFunc("POST /items", a.writeItem(http.StatusCreated))
	mux.HandleFunc("GET /items/{id}", a.getItem)
	mux.HandleFunc("PUT /items/{id}", a.writeItem(http.StatusOK))
	mux.HandleFunc("POST /import", a.importXML)
	mux.HandleFunc("GET /admin/users", a.admin(a.listUsers))
	mux.HandleFunc("POST /admin/reset", a.admin(a.reset))
	a.orderRoutes(mux)
	return a.record(a.limit(a.pool(mux)))
}

// record logs every request with the status it got.
func (a *app) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cr := &countingBody{ReadCloser: r.Body}
		r.Body = cr
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		a.log.add(Recorded{Method: r.Method, Path: r.URL.Path, CN: certCN(r), Header: r.Header.Clone(), BodyLen: cr.n, Status: sw.status})
	})
}

// limit applies the rate limit and the per-client in-flight cap.
func (a *app) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := clientKey(r)
		if wait, ok := a.allowRate(key); !ok {
			a.throttle(w, wait)
			return
		}
		if !a.enter(key) {
			a.throttle(w, time.Second)
			return
		}
		defer a.leave(key)
		next.ServeHTTP(w, r)
	})
}

func (a *app) allowRate(key string) (time.Duration, bool) {
	switch a.opts.Rate {
	case PerIdentity:
		return a.limiter.take(key, time.Now())
	case Shared:
		return a.limiter.take("", time.Now())
	}
	return 0, true
}

func (a *app) throttle(w http.ResponseWriter, wait time.Duration) {
	if a.opts.RetryAfter {
		secs := strconv.Itoa(int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", secs)
		w.Header().Set("RateLimit", "limit=0, remaining=0, reset="+secs)
	}
	http.Error(w, "too many requests", http.StatusTooManyRequests)
}

func (a *app) enter(key string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.opts.InflightPerClient > 0 && a.flight[key] >= a.opts.InflightPerClient {
		return false
	}
	a.flight[key]++
	return true
}

func (a *app) leave(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.flight[key]--
}

// pool makes every request wait for one of a few workers, as a WSGI server does.
func (a *app) pool(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case a.workers <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-a.workers }()
		if d := a.collapse(); d > 0 {
			time.Sleep(d)
		}
		next.ServeHTTP(w, r)
	})
}

func (a *app) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// whoami answers the identity the app believes in. The vulnerable app
// trusts identity headers a proxy would set, in any spelling.
func (a *app) whoami(w http.ResponseWriter, r *http.Request) {
	cn := certCN(r)
	if !a.opts.StripIDHeaders {
		if v := spoofedCN(r.Header); v != "" {
			cn = v
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"cn": cn})
}

// spoofedCN finds an identity header by its WSGI key, as Django would:
// X-SSL-Client-CN and X_SSL_CLIENT_CN are both HTTP_X_SSL_CLIENT_CN.
func spoofedCN(h http.Header) string {
	for k, vs := range h {
		key := strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
		if (key == "X_SSL_CLIENT_CN" || key == "SSL_CLIENT_S_DN_CN") && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func (a *app) slow(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(a.opts.SlowDelay):
	case <-r.Context().Done():
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"slow": true})
}

func (a *app) listItems(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, []any{map[string]any{"id": 1, "name": "first"}})
}

func (a *app) getItem(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "name": "first"})
}

// admin guards a handler with the admins OU when RoleCheck is on.
func (a *app) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.opts.RoleCheck && !slices.Contains(certOUs(r), "admins") {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		next(w, r)
	}
}

// orderRoutes serve the operations of internal/openapi/testdata/api.yaml
// (an orders API) with the same handlers, so that spec can be scanned too.
// Its bodies get the byte and depth guards but no field validation.
func (a *app) orderRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/ping", a.health)
	mux.HandleFunc("GET /api/whoami", a.whoami)
	mux.HandleFunc("GET /api/reports/slow", a.slow)
	mux.HandleFunc("GET /api/items", a.listItems)
	mux.HandleFunc("GET /api/search", a.listItems)
	mux.HandleFunc("POST /api/orders", a.acceptJSON)
	mux.HandleFunc("POST /api/upload", a.acceptJSON)
	mux.HandleFunc("GET /api/admin/users", a.admin(a.listUsers))
	mux.HandleFunc("DELETE /api/admin/users/{id}", a.admin(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
}

func (a *app) listUsers(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, []any{map[string]any{"cn": "alice"}, map[string]any{"cn": "bob"}})
}

func (a *app) reset(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"reset": true})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func certCN(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	return r.TLS.PeerCertificates[0].Subject.CommonName
}

func certOUs(r *http.Request) []string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return r.TLS.PeerCertificates[0].Subject.OrganizationalUnit
}

// clientKey is the identity limits are keyed on: the CN, or the address.
func clientKey(r *http.Request) string {
	if cn := certCN(r); cn != "" {
		return "cn:" + cn
	}
	return "addr:" + r.RemoteAddr
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

type countingBody struct {
	io.ReadCloser
	n int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

// quietLog drops the server's own error lines (handshake failures are
// what the scanner provokes on purpose).
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

// collapse is the extra latency of a target that degrades under load.
func (a *app) collapse() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.served++
	if a.opts.CollapseAfter > 0 && a.served > a.opts.CollapseAfter {
		return a.opts.Collapse
	}
	return 0
}
