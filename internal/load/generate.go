package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// MaxDuration caps every generator: a longer duration is cut to it.
const MaxDuration = 120 * time.Second

// OpenLoop sends req through c at a fixed rate (requests per second) for d,
// at most maxRequests times, whatever the target does: request i is due at
// start + i/rate and is sent then, or as soon as possible when the
// generator is late, never skipped. Its latency is measured from when it was
// due, not from when it was sent, so a target that stalls is charged for
// every request it delayed (no coordinated omission).
//
// Requests still running when d ends run to completion (bounded by the
// client's timeout); cancelling ctx stops sending and aborts them. A
// non-positive rate, duration or maxRequests sends nothing.
func OpenLoop(ctx context.Context, c *Client, req RequestSpec, rate float64, d time.Duration, maxRequests int) Result {
	d = min(d, MaxDuration)
	rec := newRecorder()
	start := time.Now()
	if rate <= 0 || d <= 0 || maxRequests <= 0 {
		return rec.result(0)
	}
	var wg sync.WaitGroup
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := range maxRequests {
		due := start.Add(time.Duration(float64(i) * float64(time.Second) / rate))
		if due.Sub(start) >= d || !sleepUntil(ctx, timer, due) {
			break
		}
		wg.Go(func() {
			status, err := c.Do(ctx, req)
			rec.record(time.Since(due), status, err)
		})
	}
	wg.Wait()
	return rec.result(time.Since(start))
}

// sleepUntil waits for t on timer and reports false when ctx ends first.
func sleepUntil(ctx context.Context, timer *time.Timer, t time.Time) bool {
	wait := time.Until(t)
	if wait <= 0 {
		return ctx.Err() == nil
	}
	timer.Reset(wait)
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// ClosedLoop sends req through c from concurrency workers, each sending its
// next request as soon as its previous one finished, for d and at most
// maxRequests times in all. Latency is measured from each request's send:
// a closed loop measures what the target serves, not what users would wait.
//
// Requests still running when d ends run to completion (bounded by the
// client's timeout); cancelling ctx stops sending and aborts them.
func ClosedLoop(ctx context.Context, c *Client, req RequestSpec, concurrency int, d time.Duration, maxRequests int) Result {
	d = min(d, MaxDuration)
	rec := newRecorder()
	start := time.Now()
	deadline := start.Add(d)
	var issued atomic.Int64
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) && issued.Add(1) <= int64(maxRequests) {
				sent := time.Now()
				status, err := c.Do(ctx, req)
				rec.record(time.Since(sent), status, err)
			}
		})
	}
	wg.Wait()
	return rec.result(time.Since(start))
}
