package admit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond for up to 5s; the conditions here hold within
// microseconds, the margin is for a loaded machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAcquireCancelLeavesAtOnce(t *testing.T) {
	c, err := New(Options{MaxInflight: 1, MaxWait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	held, err := c.Acquire(context.Background(), "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Acquire(ctx, "b", 1)
		done <- err
	}()
	waitFor(t, "b to queue", func() bool { return c.Stats().Queued == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire after cancel: %v, want context.Canceled", err)
	}
	if s := c.Stats(); s.Queued != 0 || s.Shed.Canceled != 1 || s.InFlight != 1 {
		t.Fatalf("stats %+v, want b gone from the queue", s)
	}
	held.Release(time.Millisecond, true)
	if s := c.Stats(); s.InFlight != 0 {
		t.Fatalf("in flight %d after release, want 0", s.InFlight)
	}
}

func TestAcquireWaitExceeded(t *testing.T) {
	c, err := New(Options{MaxInflight: 1, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	held, err := c.Acquire(context.Background(), "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release(time.Millisecond, true)
	tk, err := c.Acquire(context.Background(), "b", 1)
	if !errors.Is(err, ErrWaitExceeded) || tk != nil {
		t.Fatalf("Acquire: %v, %v; want nil, ErrWaitExceeded", tk, err)
	}
	if s := c.Stats(); s.Queued != 0 || s.Shed.WaitExceeded != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestAcquireCanceledContext(t *testing.T) {
	c, err := New(Options{MaxInflight: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Acquire(ctx, "a", 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with a canceled context: %v", err)
	}
	if s := c.Stats(); s.InFlight != 0 || s.Admitted != 0 {
		t.Fatalf("stats %+v, want nothing admitted", s)
	}
}

// TestAcquireConcurrent has many goroutines of several identities contend
// for 3 slots: never more than 3 run at once, every request ends admitted,
// canceled or shed, and the controller ends empty.
func TestAcquireConcurrent(t *testing.T) {
	c, err := New(Options{MaxInflight: 3, MaxQueue: 4, MaxWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var running, peak, ok, shed atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			key := string(rune('a' + g%4))
			for i := range 50 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%7)*time.Millisecond)
				tk, err := c.Acquire(ctx, key, 1+g%3)
				cancel()
				if err != nil {
					shed.Add(1)
					continue
				}
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(100 * time.Microsecond)
				running.Add(-1)
				ok.Add(1)
				tk.Release(100*time.Microsecond, i%5 != 0)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 3 || p < 1 {
		t.Fatalf("peak concurrency %d, want 1..3", p)
	}
	s := c.Stats()
	if ok.Load()+shed.Load() != 16*50 || s.Admitted != uint64(ok.Load()) {
		t.Fatalf("%d ok + %d shed of %d; stats %+v", ok.Load(), shed.Load(), 16*50, s)
	}
	if s.InFlight != 0 || s.Queued != 0 || s.ActiveKeys != 0 {
		t.Fatalf("stats %+v, want empty at the end", s)
	}
}

func TestRetryAfterJitter(t *testing.T) {
	c, err := New(Options{MaxInflight: 1, MaxWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		d := c.RetryAfter()
		if d < 2*time.Second || d >= 4*time.Second {
			t.Fatalf("RetryAfter() = %v, want in [2s, 4s)", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Fatalf("RetryAfter gave %d distinct values in 50 calls: no jitter", len(seen))
	}
}
