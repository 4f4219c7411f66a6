package limit

import (
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPolicyLimitAndWindow(t *testing.T) {
	tests := []struct {
		name     string
		p        Policy
		limit    int
		window   time.Duration
		interval time.Duration
	}{
		{"20/s burst 40", NewPolicy(20, time.Second, 40), 40, 2 * time.Second, ms(50)},
		{"100/min burst 100", NewPolicy(100, time.Minute, 100), 100, time.Minute, ms(600)},
		{"1/s burst 1", NewPolicy(1, time.Second, 1), 1, time.Second, time.Second},
		{"below 1 raised", NewPolicy(0, 0, 0), 1, time.Nanosecond, time.Nanosecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Limit(); got != tt.limit {
				t.Errorf("Limit() = %d, want %d", got, tt.limit)
			}
			if got := tt.p.Window(); got != tt.window {
				t.Errorf("Window() = %v, want %v", got, tt.window)
			}
			if got := tt.p.Interval(); got != tt.interval {
				t.Errorf("Interval() = %v, want %v", got, tt.interval)
			}
		})
	}
}

// step is one call to AllowN at t0+at and the decision it must return.
type step struct {
	at   time.Duration
	n    int
	want Decision
}

func runSteps(t *testing.T, l *Limiter, key string, p Policy, steps []step) {
	t.Helper()
	for i, s := range steps {
		got := l.AllowN(key, p, s.n, t0.Add(s.at))
		if got != s.want {
			t.Fatalf("step %d (at %v, n=%d): got %+v, want %+v", i, s.at, s.n, got, s.want)
		}
	}
}

func TestAllowNSteps(t *testing.T) {
	p := NewPolicy(10, time.Second, 3) // one event per 100ms, up to 3 at once
	tests := []struct {
		name  string
		steps []step
	}{
		{"burst then refill", []step{
			{0, 1, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(100)}},
			{0, 1, Decision{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: ms(200)}},
			{0, 1, Decision{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: ms(300)}},
			{0, 1, Decision{Limit: 3, RetryAfter: ms(100), ResetAfter: ms(300)}},
			{ms(50), 1, Decision{Limit: 3, RetryAfter: ms(50), ResetAfter: ms(250)}},
			{ms(100), 1, Decision{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: ms(300)}},
			{ms(350), 1, Decision{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: ms(150)}},
			{time.Second, 1, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(100)}},
		}},
		{"n events at once", []step{
			{0, 2, Decision{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: ms(200)}},
			{0, 2, Decision{Limit: 3, RetryAfter: ms(100), ResetAfter: ms(200)}},
			{ms(100), 2, Decision{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: ms(300)}},
		}},
		{"more than the burst never fits", []step{
			{0, 4, Decision{Limit: 3, RetryAfter: InfDuration}},
			{0, 1, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(100)}},
			{0, 4, Decision{Limit: 3, RetryAfter: InfDuration, ResetAfter: ms(100)}},
		}},
		{"n=0 reports without consuming", []step{
			{0, 0, Decision{Allowed: true, Limit: 3, Remaining: 3}},
			{0, 1, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(100)}},
			{0, 0, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(100)}},
			{ms(40), 0, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(60)}},
			{0, 1, Decision{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: ms(200)}},
		}},
		{"negative n is n=0", []step{
			{0, -5, Decision{Allowed: true, Limit: 3, Remaining: 3}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, NewLimiter(10), "client-a", p, tt.steps)
		})
	}
}

func TestZeroPolicyAllowsAndTracksNothing(t *testing.T) {
	l := NewLimiter(10)
	for range 1000 {
		if d := l.Allow("a", Policy{}, t0); d != (Decision{Allowed: true}) {
			t.Fatalf("zero Policy: got %+v, want {Allowed:true}", d)
		}
	}
	if l.Len() != 0 {
		t.Fatalf("Len() = %d after zero-Policy decisions, want 0", l.Len())
	}
}

func TestN0DoesNotTrackNewKey(t *testing.T) {
	l := NewLimiter(10)
	l.AllowN("a", NewPolicy(1, time.Second, 1), 0, t0)
	if l.Len() != 0 {
		t.Fatalf("Len() = %d after a n=0 decision on a new key, want 0", l.Len())
	}
}

func TestSteadyRate(t *testing.T) {
	p := NewPolicy(20, time.Second, 40)
	tests := []struct {
		name    string
		spacing time.Duration
		events  int
		allowed int
	}{
		// At exactly the rate, after the burst is spent, every event fits.
		{"at the rate", ms(50), 1000, 1000},
		// Twice the rate for 10s: burst 40 plus 20/s × 9.975s (the last
		// event's instant) = 40 + 199 refills.
		{"twice the rate", ms(25), 400, 40 + 199},
		// All at one instant: the burst only.
		{"all at once", 0, 100, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(1)
			allowed := 0
			for i := range tt.events {
				if l.Allow("k", p, t0.Add(time.Duration(i)*tt.spacing)).Allowed {
					allowed++
				}
			}
			if allowed != tt.allowed {
				t.Fatalf("allowed %d of %d, want %d", allowed, tt.events, tt.allowed)
			}
		})
	}
}

// TestConformance checks GCRA's guarantee on random arrivals: in any span
// of length d, at most burst + d/interval events are allowed.
func TestConformance(t *testing.T) {
	p := NewPolicy(10, time.Second, 5)
	rng := rand.New(rand.NewPCG(1, 2))
	l := NewLimiter(1)
	var times []time.Duration
	at := time.Duration(0)
	for range 5000 {
		at += time.Duration(rng.Int64N(int64(ms(60))))
		if l.Allow("k", p, t0.Add(at)).Allowed {
			times = append(times, at)
		}
	}
	for i := range times {
		for j := i; j < len(times); j++ {
			span := times[j] - times[i]
			bound := p.Limit() + int(span/p.Interval())
			if j-i+1 > bound {
				t.Fatalf("%d events allowed within %v, bound %d", j-i+1, span, bound)
			}
		}
	}
	// Arrivals average 30ms, three times the rate: the limiter must be busy.
	if len(times) < 1000 {
		t.Fatalf("only %d events allowed over %v; rate not sustained", len(times), at)
	}
}
