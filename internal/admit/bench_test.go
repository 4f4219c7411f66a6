package admit

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "CN=client-" + strconv.Itoa(i) + ",OU=api"
	}
	return keys
}

// BenchmarkAcquireRelease measures the admission decision when there is
// room, with 1 and with 10,000 identities holding requests.
func BenchmarkAcquireRelease(b *testing.B) {
	for _, n := range []int{1, 10_000} {
		b.Run("active="+strconv.Itoa(n), func(b *testing.B) {
			c, err := New(Options{MaxInflight: 4 * n})
			if err != nil {
				b.Fatal(err)
			}
			keys := benchKeys(n)
			ctx := context.Background()
			for _, k := range keys { // every identity holds one request
				if _, err := c.Acquire(ctx, k, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				t, err := c.Acquire(ctx, keys[i%n], 1)
				if err != nil {
					b.Fatal(err)
				}
				t.Release(time.Millisecond, true)
			}
		})
	}
}

// BenchmarkDispatch measures the queued path: every identity has a request
// waiting, one slot, and each iteration releases it to the fairest waiter
// and queues a new request for that identity.
func BenchmarkDispatch(b *testing.B) {
	for _, n := range []int{1, 10_000} {
		b.Run("backlogged="+strconv.Itoa(n), func(b *testing.B) {
			c, err := New(Options{MaxInflight: 1, MaxQueued: 2 * n, MaxWait: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			var next *waiter
			c.wake = func(w *waiter) { next = w }
			keys := benchKeys(n)
			cur, _, _ := c.arrive("first", 1)
			for _, k := range keys {
				if _, _, err := c.arrive(k, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				cur.ticket.Release(time.Millisecond, true)
				cur = next
				if _, _, err := c.arrive(cur.f.key, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQueuedMemory reports the controller's heap bytes per queued
// request (waiter, channel and queue state; 1,000 identities, 10 each).
// The waiting goroutine's stack and Acquire's timer are not counted.
func BenchmarkQueuedMemory(b *testing.B) {
	const identities, each = 1000, 10
	keys := benchKeys(identities)
	var perReq float64
	for b.Loop() {
		c, err := New(Options{MaxInflight: 1, MaxQueue: each, MaxQueued: identities * each, MaxWait: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		c.wake = func(*waiter) {}
		c.arrive("holder", 1)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range identities * each {
			if _, _, err := c.arrive(keys[i%identities], 1); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perReq = float64(after.HeapAlloc-before.HeapAlloc) / (identities * each)
		runtime.KeepAlive(c)
	}
	b.ReportMetric(perReq, "B/queued")
}
