package limit

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func TestShardCount(t *testing.T) {
	tests := []struct{ maxKeys, shards, perShard int }{
		{0, 1, 1},
		{1, 1, 1},
		{20, 1, 20},
		{32, 2, 16},
		{100, 4, 25},
		{1024, 64, 16},
		{100000, 64, 1563},
	}
	for _, tt := range tests {
		shards, per := shardCount(tt.maxKeys)
		if shards != tt.shards || per != tt.perShard {
			t.Errorf("shardCount(%d) = %d, %d; want %d, %d", tt.maxKeys, shards, per, tt.shards, tt.perShard)
		}
	}
}

// TestFullTableFailsClosed walks a one-key table through a full table, a
// reclaim and an overflow: the tracked key is never evicted early, the new
// key is denied with Overflow until a bucket is full again.
func TestFullTableFailsClosed(t *testing.T) {
	p := NewPolicy(10, time.Second, 3)
	l := NewLimiter(1)
	type call struct {
		key  string
		at   time.Duration
		want Decision
	}
	calls := []call{
		{"a", 0, Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(100)}},
		{"a", 0, Decision{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: ms(200)}},
		{"a", 0, Decision{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: ms(300)}},
		// b is new and the table is full; a's bucket fills at 300ms.
		{"b", 0, Decision{Limit: 3, RetryAfter: ms(300), Overflow: true}},
		{"b", ms(10), Decision{Limit: 3, RetryAfter: ms(290), Overflow: true}},
		// a was not evicted to make room: it is still empty.
		{"a", ms(10), Decision{Limit: 3, RetryAfter: ms(90), ResetAfter: ms(290)}},
		// At 300ms a is full again and may be dropped: b gets in.
		{"b", ms(300), Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(100)}},
		{"a", ms(300), Decision{Limit: 3, RetryAfter: ms(100), Overflow: true}},
		{"a", ms(400), Decision{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: ms(100)}},
	}
	for i, c := range calls {
		if got := l.Allow(c.key, p, t0.Add(c.at)); got != c.want {
			t.Fatalf("call %d (%s at %v): got %+v, want %+v", i, c.key, c.at, got, c.want)
		}
	}
	if l.Len() != 1 {
		t.Fatalf("Len() = %d, want 1", l.Len())
	}
}

// TestEvictionNeverRefills drives a small table and an unbounded reference
// with the same random traffic. The bounded table may deny a new key for
// Overflow, but every other decision must equal the reference's given the
// same history: dropping entries never grants budget.
func TestEvictionNeverRefills(t *testing.T) {
	p := NewPolicy(50, time.Second, 4)
	l := NewLimiter(8)
	ref := map[string]int64{}
	rng := rand.New(rand.NewPCG(3, 4))
	at := time.Duration(0)
	overflows, allowed := 0, 0
	admittedKeys := map[string]bool{}
	for i := range 20000 {
		at += time.Duration(rng.Int64N(int64(ms(4))))
		key := fmt.Sprintf("k%d", rng.IntN(16))
		now := t0.Add(at)
		got := l.Allow(key, p, now)
		tat, ok := ref[key]
		if !ok {
			tat = now.UnixNano()
		}
		next, want := p.decide(tat, now.UnixNano(), 1)
		if got.Overflow {
			overflows++
			continue
		}
		if got != want {
			t.Fatalf("event %d (%s at %v): got %+v, reference %+v", i, key, at, got, want)
		}
		if got.Allowed {
			allowed++
			admittedKeys[key] = true
			ref[key] = next
		}
	}
	if overflows == 0 || allowed == 0 || len(admittedKeys) <= 8 {
		t.Fatalf("traffic did not exercise the table: %d overflows, %d allowed, %d keys admitted",
			overflows, allowed, len(admittedKeys))
	}
	if n := l.Len(); n > 8 {
		t.Fatalf("Len() = %d, bound 8", n)
	}
}

func TestSweep(t *testing.T) {
	p := NewPolicy(10, time.Second, 3)
	l := NewLimiter(100)
	l.AllowN("one", p, 1, t0)   // full again at 100ms
	l.AllowN("two", p, 2, t0)   // at 200ms
	l.AllowN("three", p, 3, t0) // at 300ms
	steps := []struct {
		at      time.Duration
		dropped int
		left    int
	}{
		{0, 0, 3},
		{ms(99), 0, 3},
		{ms(100), 1, 2},
		{ms(250), 1, 1},
		{ms(250), 0, 1},
		{time.Hour, 1, 0},
	}
	for _, s := range steps {
		if got := l.Sweep(t0.Add(s.at)); got != s.dropped {
			t.Fatalf("Sweep at %v dropped %d, want %d", s.at, got, s.dropped)
		}
		if got := l.Len(); got != s.left {
			t.Fatalf("Len() after Sweep at %v = %d, want %d", s.at, got, s.left)
		}
	}
	// "three" was dropped full: it gets exactly its burst back, no more.
	if d := l.AllowN("three", p, 3, t0.Add(time.Hour)); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after sweep: %+v, want allowed with 0 remaining", d)
	}
}

// TestConcurrentExactBurst has many goroutines spend a few keys' buckets at
// one instant: each key must get exactly its burst, no more, no less.
func TestConcurrentExactBurst(t *testing.T) {
	p := NewPolicy(1, time.Minute, 50)
	l := NewLimiter(1000)
	keys := []string{"a", "b", "c", "d"}
	var mu sync.Mutex
	allowed := map[string]int{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			local := map[string]int{}
			for i := range 200 {
				k := keys[(g+i)%len(keys)]
				if l.Allow(k, p, t0).Allowed {
					local[k]++
				}
			}
			mu.Lock()
			for k, n := range local {
				allowed[k] += n
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, k := range keys {
		if allowed[k] != 50 {
			t.Errorf("key %s: %d allowed, want exactly 50", k, allowed[k])
		}
	}
}
