package scan

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// maxRetries bounds the retries of one throttled request.
const maxRetries = 3

// defaultBackoff is the pause after a 429 that names no Retry-After.
const defaultBackoff = 500 * time.Millisecond

type ctxKey int

const (
	noRetryKey ctxKey = iota
	noteKey
)

// withNoRetry marks a request whose throttling is what the probe measures:
// the transport returns its 429 or 503 as is, without waiting or retrying.
func withNoRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetryKey, true)
}

func noRetry(ctx context.Context) bool {
	v, _ := ctx.Value(noRetryKey).(bool)
	return v
}

// withNote attaches a note for the "what was sent" list.
func withNote(ctx context.Context, note string) context.Context {
	return context.WithValue(ctx, noteKey, note)
}

func noteOf(ctx context.Context) string {
	v, _ := ctx.Value(noteKey).(string)
	return v
}

// gate holds back one identity's requests until a Retry-After has passed,
// so that the whole scan paces itself as the target asked.
type gate struct {
	mu    sync.Mutex
	until time.Time
}

func (g *gate) pause(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := time.Now().Add(d); t.After(g.until) {
		g.until = t
	}
}

// wait holds a request until the pause has passed; a pause longer than
// maxWait fails at once with ErrThrottled rather than stall the scan.
func (g *gate) wait(ctx context.Context, maxWait time.Duration) error {
	g.mu.Lock()
	d := time.Until(g.until)
	g.mu.Unlock()
	if d > maxWait {
		return fmt.Errorf("%w (%s more)", ErrThrottled, d.Round(time.Second))
	}
	return sleep(ctx, d)
}

// ErrThrottled is returned for a request the target asked the scan to hold
// back (Retry-After) longer than the scan waits. It wraps ErrBudget: like
// a spent budget, it leaves the check inconclusive.
var ErrThrottled = fmt.Errorf("%w: the target asked the scan to wait longer than it will", ErrBudget)

// transport is the RoundTripper every scan client goes through: it waits
// out Retry-After pauses, takes each request from the budget, records it
// for its check and retries throttled requests within the budget.
type transport struct {
	base    http.RoundTripper
	budget  *Budget
	gate    *gate
	rec     *recorder
	check   string
	maxWait time.Duration // longest Retry-After worth waiting for
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	size := requestSize(req)
	for attempt := 0; ; attempt++ {
		if !noRetry(ctx) {
			if err := t.gate.wait(ctx, t.maxWait); err != nil {
				return nil, err
			}
		}
		if err := t.budget.take(ctx, size); err != nil {
			return nil, err
		}
		t.rec.add(t.check, req.Method, req.URL.Path, noteOf(ctx), size)
		resp, err := t.base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		wait, throttled := retryWait(resp)
		if !throttled {
			return resp, nil
		}
		t.gate.pause(wait)
		if noRetry(ctx) || attempt >= maxRetries || !t.worthWaiting(wait) {
			return resp, nil
		}
		next, ok := rewind(req)
		if !ok {
			return resp, nil
		}
		drain(resp)
		req = next
	}
}

func (t *transport) worthWaiting(wait time.Duration) bool {
	return wait <= t.maxWait && time.Now().Add(wait).Before(t.budget.Deadline())
}

// retryWait reports whether resp is a throttling answer (429, or 503 with
// Retry-After) and how long the target asked the client to wait.
func retryWait(resp *http.Response) (time.Duration, bool) {
	ra := resp.Header.Get("Retry-After")
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
	case resp.StatusCode == http.StatusServiceUnavailable && ra != "":
	default:
		return 0, false
	}
	if d, ok := parseRetryAfter(ra, time.Now()); ok {
		return d, true
	}
	return defaultBackoff, true
}

// maxRetryAfter caps a delay-seconds value (a day): far past any wait the
// scan makes, and safe from overflowing time.Duration.
const maxRetryAfter = 86400

// parseRetryAfter reads delay-seconds or an HTTP date (RFC 9110 10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(min(n, maxRetryAfter)) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// rewind returns a copy of req ready to send again, if its body can be
// replayed.
func rewind(req *http.Request) (*http.Request, bool) {
	next := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return next, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	next.Body = body
	return next, true
}

// requestSize estimates the bytes a request puts on the wire.
func requestSize(req *http.Request) int64 {
	n := int64(len(req.Method) + len(req.URL.RequestURI()) + len(req.Host) + 32)
	for k, vs := range req.Header {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	if req.ContentLength > 0 {
		n += req.ContentLength
	}
	return n
}

// drain reads what is left of a response body (bounded) and closes it so
// the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 256<<10))
	_ = resp.Body.Close()
}

// Sleep waits d or until ctx ends, and reports ctx's error if it ended.
func Sleep(ctx context.Context, d time.Duration) error { return sleep(ctx, d) }

// RetryAfter is how long a throttled response asks the client to wait,
// or fallback when it does not say.
func RetryAfter(r Response, fallback time.Duration) time.Duration {
	if d, ok := parseRetryAfter(r.Header.Get("Retry-After"), time.Now()); ok {
		return d
	}
	return fallback
}
