package load

import (
	"context"
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestOpenLoopSendsTheSchedule(t *testing.T) {
	p := newTestPKI(t)
	var n counter
	srv := p.serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.add(r) }))
	tests := []struct {
		name string
		rate float64
		d    time.Duration
		max  int
		want int
	}{
		{"duration bounds", 20, 500 * time.Millisecond, 1000, 10},
		{"request cap bounds", 100, 5 * time.Second, 7, 7},
		{"zero rate sends nothing", 0, time.Second, 10, 0},
		{"zero cap sends nothing", 10, time.Second, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := p.newClient(t, tt.name, ClientOptions{})
			start := time.Now()
			res := OpenLoop(context.Background(), c, RequestSpec{URL: srv.URL + "/"}, tt.rate, tt.d, tt.max)
			if res.Requests != tt.want || res.OK != tt.want || n.get(tt.name) != tt.want {
				t.Errorf("requests %d, ok %d, server saw %d; want %d each", res.Requests, res.OK, n.get(tt.name), tt.want)
			}
			if tt.want > 0 && !maps.Equal(res.Statuses, map[int]int{200: tt.want}) {
				t.Errorf("statuses %v, want 200×%d", res.Statuses, tt.want)
			}
			if elapsed := time.Since(start); tt.want == tt.max && elapsed > tt.d {
				t.Errorf("took %v with the cap reached, want less than the duration %v", elapsed, tt.d)
			}
		})
	}
}

func TestClosedLoopBounds(t *testing.T) {
	p := newTestPKI(t)
	var n counter
	srv := p.serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.add(r)
		time.Sleep(2 * time.Millisecond)
	}))
	t.Run("request cap", func(t *testing.T) {
		c := p.newClient(t, "capped", ClientOptions{})
		res := ClosedLoop(context.Background(), c, RequestSpec{URL: srv.URL + "/"}, 4, 30*time.Second, 25)
		if res.Requests != 25 || res.OK != 25 || n.get("capped") != 25 {
			t.Errorf("requests %d, ok %d, server saw %d; want 25 each", res.Requests, res.OK, n.get("capped"))
		}
	})
	t.Run("duration", func(t *testing.T) {
		c := p.newClient(t, "timed", ClientOptions{})
		const d = 300 * time.Millisecond
		res := ClosedLoop(context.Background(), c, RequestSpec{URL: srv.URL + "/"}, 3, d, 1_000_000)
		if res.Requests == 0 || res.Requests != n.get("timed") || res.OK != res.Requests {
			t.Errorf("requests %d, ok %d, server saw %d; want equal and positive", res.Requests, res.OK, n.get("timed"))
		}
		if res.Duration < d || res.Duration > d+10*time.Second {
			t.Errorf("duration %v, want from %v to %v", res.Duration, d, d+10*time.Second)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		c := p.newClient(t, "cancelled", ClientOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := ClosedLoop(ctx, c, RequestSpec{URL: srv.URL + "/"}, 3, time.Minute, 1000)
		if res.Requests != 0 || n.get("cancelled") != 0 {
			t.Errorf("requests %d, server saw %d; want none", res.Requests, n.get("cancelled"))
		}
	})
}

func TestClosedLoopSendsBodies(t *testing.T) {
	p := newTestPKI(t)
	var mu sync.Mutex
	var sizes []int64
	srv := p.serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/octet-stream" {
			w.WriteHeader(http.StatusBadRequest)
		}
		sizes = append(sizes, r.ContentLength)
	}))
	c := p.newClient(t, "uploader", ClientOptions{})
	res := ClosedLoop(context.Background(), c, RequestSpec{URL: srv.URL + "/", BodySize: 100_000}, 2, 30*time.Second, 3)
	if !maps.Equal(res.Statuses, map[int]int{200: 3}) {
		t.Errorf("statuses %v, want 200×3", res.Statuses)
	}
	if len(sizes) != 3 || sizes[0] != 100_000 || sizes[2] != 100_000 {
		t.Errorf("server saw bodies %v, want 3 of 100000 bytes", sizes)
	}
}

// TestOpenLoopChargesStalls runs a one-worker server whose first request
// stalls for 500 ms: every request due during the stall waits behind it,
// and an open loop must charge each of them from when it was due. A
// generator with coordinated omission would show one slow request and a
// fast p70.
func TestOpenLoopChargesStalls(t *testing.T) {
	p := newTestPKI(t)
	var worker sync.Mutex
	var once sync.Once
	srv := p.serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		worker.Lock()
		defer worker.Unlock()
		once.Do(func() { time.Sleep(500 * time.Millisecond) })
	}))
	c := p.newClient(t, "victim", ClientOptions{})
	res := OpenLoop(context.Background(), c, RequestSpec{URL: srv.URL + "/"}, 50, time.Second, 1000)
	if res.Requests != 50 || res.OK != 50 {
		t.Fatalf("requests %d, ok %d; want 50, all sent despite the stall", res.Requests, res.OK)
	}
	// 21 of the 50 requests were due at least 100 ms before the stall ended.
	if p70 := res.Histogram.Quantile(0.7); p70 < 100*time.Millisecond {
		t.Errorf("p70 %v, want at least 100ms: the stall was not charged to the requests it delayed", p70)
	}
	if res.Latency.P99 < 400*time.Millisecond {
		t.Errorf("p99 %v, want at least 400ms", res.Latency.P99)
	}
}

func TestLoopsStopOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A nil client would panic if a loop sent anything.
	for name, res := range map[string]Result{
		"open":   OpenLoop(ctx, nil, RequestSpec{}, 1000, time.Minute, 10),
		"closed": ClosedLoop(ctx, nil, RequestSpec{}, 4, time.Minute, 10),
	} {
		if res.Requests != 0 || res.Duration > 10*time.Second {
			t.Errorf("%s loop on a cancelled context: %d requests in %v, want none at once", name, res.Requests, res.Duration)
		}
	}
}
