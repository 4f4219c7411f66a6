package limit

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestCounterSteps(t *testing.T) {
	type op struct {
		acquire bool // false: Release
		key     string
		limit   int
		ok      bool // Acquire's result
		count   int  // Count(key) after
		len     int  // Len() after
	}
	tests := []struct {
		name    string
		maxKeys int
		ops     []op
	}{
		{"up to the limit and back", 10, []op{
			{true, "a", 2, true, 1, 1},
			{true, "a", 2, true, 2, 1},
			{true, "a", 2, false, 2, 1},
			{false, "a", 0, false, 1, 1},
			{true, "a", 2, true, 2, 1},
			{false, "a", 0, false, 1, 1},
			{false, "a", 0, false, 0, 0},
		}},
		{"release of an idle key does nothing", 10, []op{
			{false, "a", 0, false, 0, 0},
			{true, "a", 1, true, 1, 1},
			{false, "a", 0, false, 0, 0},
			{false, "a", 0, false, 0, 0},
			{true, "a", 1, true, 1, 1},
		}},
		{"limit 0 refuses", 10, []op{
			{true, "a", 0, false, 0, 0},
			{true, "a", -1, false, 0, 0},
		}},
		{"full table refuses new keys only", 2, []op{
			{true, "a", 5, true, 1, 1},
			{true, "b", 5, true, 1, 2},
			{true, "c", 5, false, 0, 2},
			{true, "a", 5, true, 2, 2},
			{false, "b", 0, false, 0, 1},
			{true, "c", 5, true, 1, 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCounter(tt.maxKeys)
			for i, o := range tt.ops {
				if o.acquire {
					if got := c.Acquire(o.key, o.limit); got != o.ok {
						t.Fatalf("op %d: Acquire(%q, %d) = %v, want %v", i, o.key, o.limit, got, o.ok)
					}
				} else {
					c.Release(o.key)
				}
				if got := c.Count(o.key); got != o.count {
					t.Fatalf("op %d: Count(%q) = %d, want %d", i, o.key, got, o.count)
				}
				if got := c.Len(); got != o.len {
					t.Fatalf("op %d: Len() = %d, want %d", i, got, o.len)
				}
			}
		})
	}
}

// TestCounterConcurrentCap has goroutines contend for a cap of 3 per key:
// no more than 3 ever hold a key at once, and the table ends empty.
func TestCounterConcurrentCap(t *testing.T) {
	c := NewCounter(100)
	keys := []string{"a", "b"}
	var holders [2]atomic.Int32
	var peak [2]atomic.Int32
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := (g + i) % 2
				if !c.Acquire(keys[k], 3) {
					continue
				}
				n := holders[k].Add(1)
				for {
					p := peak[k].Load()
					if n <= p || peak[k].CompareAndSwap(p, n) {
						break
					}
				}
				holders[k].Add(-1)
				c.Release(keys[k])
			}
		})
	}
	wg.Wait()
	for k := range keys {
		if p := peak[k].Load(); p > 3 || p < 1 {
			t.Errorf("key %s: peak holders %d, want 1..3", keys[k], p)
		}
	}
	if n := c.Len(); n != 0 {
		t.Fatalf("Len() = %d after every release, want 0", n)
	}
}
