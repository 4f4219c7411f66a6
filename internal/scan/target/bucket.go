package target

import (
	"sync"
	"time"
)

// buckets is a token bucket per key, refilled at rate per second up to burst.
type buckets struct {
	mu    sync.Mutex
	rate  float64
	burst float64
	m     map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newBuckets(rate float64, burst int) *buckets {
	return &buckets{rate: rate, burst: float64(burst), m: map[string]*bucket{}}
}

// take spends a token of key at now, or says how long until one is there.
func (b *buckets) take(key string, now time.Time) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.m[key]
	if k == nil {
		k = &bucket{tokens: b.burst, last: now}
		b.m[key] = k
	}
	k.tokens = min(b.burst, k.tokens+now.Sub(k.last).Seconds()*b.rate)
	k.last = now
	if k.tokens >= 1 {
		k.tokens--
		return 0, true
	}
	return time.Duration((1 - k.tokens) / b.rate * float64(time.Second)), false
}
