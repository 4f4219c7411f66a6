package scan

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"3", 3 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"Fri, 02 Jan 2026 03:04:15 GMT", 10 * time.Second, true},
		{"Fri, 02 Jan 2026 03:04:00 GMT", 0, true}, // in the past: retry now
	}
	for _, tc := range cases {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "1", "120", "Fri, 02 Jan 2026 03:04:15 GMT", "-5", "9999999999999999999"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := parseRetryAfter(s, now); ok && d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %s: negative wait", s, d)
		}
	})
}

// throttler answers 429 with retryAfter to the first n requests, then 200.
func throttler(n int64, retryAfter string) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= n {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	return srv, &hits
}

func newTestTransport(limits Limits, maxWait time.Duration) (*transport, *Budget) {
	b := NewBudget(limits, time.Now())
	return &transport{base: http.DefaultTransport, budget: b, gate: &gate{}, rec: newRecorder(), check: "T", maxWait: maxWait}, b
}

func TestTransportRetries(t *testing.T) {
	cases := []struct {
		name       string
		throttled  int64
		retryAfter string
		noRetry    bool
		maxWait    time.Duration
		wantStatus int
		wantHits   int64
	}{
		{"retried after Retry-After", 1, "0", false, time.Second, 200, 2},
		{"retried three times at most", 9, "0", false, time.Second, 429, 1 + maxRetries},
		{"Retry-After too long to wait", 1, "30", false, time.Second, 429, 1},
		{"probe measures throttling", 1, "0", true, time.Second, 429, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := throttler(tc.throttled, tc.retryAfter)
			defer srv.Close()
			tr, b := newTestTransport(Limits{}, tc.maxWait)
			ctx := context.Background()
			if tc.noRetry {
				ctx = withNoRetry(ctx)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			drain(resp)
			if resp.StatusCode != tc.wantStatus || hits.Load() != tc.wantHits {
				t.Fatalf("status %d after %d hits; want %d after %d", resp.StatusCode, hits.Load(), tc.wantStatus, tc.wantHits)
			}
			if got := b.Used(time.Now()).Requests; int64(got) != tc.wantHits {
				t.Errorf("budget counted %d requests, want %d", got, tc.wantHits)
			}
			if got := tr.rec.requests("T"); int64(got) != tc.wantHits {
				t.Errorf("recorder counted %d, want %d", got, tc.wantHits)
			}
		})
	}
}

func TestBudgetRefuses(t *testing.T) {
	srv, _ := throttler(0, "")
	defer srv.Close()
	cases := []struct {
		name    string
		limits  Limits
		body    string
		allowed int
		wantErr string
	}{
		{"request count", Limits{MaxRequests: 3}, "", 3, "3 requests sent (max 3)"},
		{"bytes", Limits{MaxBytes: 2500}, strings.Repeat("a", 1000), 2, "more would pass the max of 2500"},
		{"time", Limits{MaxDuration: time.Nanosecond}, "", 0, "scan time of 1ns used"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := newTestTransport(tc.limits, time.Second)
			client := &http.Client{Transport: tr}
			for i := 0; ; i++ {
				resp, err := client.Post(srv.URL, "text/plain", strings.NewReader(tc.body))
				if err == nil {
					drain(resp)
					continue
				}
				if !errors.Is(err, ErrBudget) || !strings.Contains(err.Error(), tc.wantErr) || i != tc.allowed {
					t.Fatalf("request %d: %v; want ErrBudget %q at request %d", i, err, tc.wantErr, tc.allowed)
				}
				return
			}
		})
	}
}

func TestBudgetPaces(t *testing.T) {
	b := NewBudget(Limits{MaxRPS: 50}, time.Now())
	start := time.Now()
	for range 6 {
		if err := b.take(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	// Six requests at 50/s take at least five intervals of 20 ms.
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("6 requests at 50/s took %s, want at least 100ms", d)
	}
}

func TestBudgetConns(t *testing.T) {
	b := NewBudget(Limits{MaxConns: 2}, time.Now())
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	c1, err := b.dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := b.dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.dial(context.Background(), "tcp", addr); !errors.Is(err, ErrBudget) {
		t.Fatalf("third connection: %v, want ErrBudget", err)
	}
	_ = c1.Close()
	_ = c1.Close() // a second Close must not free a second slot
	c3, err := b.dial(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("after a close: %v", err)
	}
	if _, err := b.dial(context.Background(), "tcp", addr); !errors.Is(err, ErrBudget) {
		t.Fatalf("double close freed two slots: %v", err)
	}
	_, _ = c2.Close(), c3.Close()
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	cases := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(5), 99, 5 * time.Millisecond},
		{ms(9, 1, 5), 50, 5 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 100), 99, 100 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 100), 50, 5 * time.Millisecond},
	}
	for _, tc := range cases {
		if got := Percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("Percentile(%v, %v) = %s, want %s", tc.in, tc.p, got, tc.want)
		}
	}
}
