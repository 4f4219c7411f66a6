package limit

import (
	"hash/maphash"
	"sync"
)

// Counter counts what each key holds at once: in-flight requests or open
// connections. It is safe for concurrent use.
//
// Only keys holding something are tracked: an entry is deleted when it
// drops to zero, so the table holds only active keys and is bounded by the
// maxKeys given to NewCounter. A new key that finds its shard full is
// refused (fail closed).
type Counter struct {
	seed   maphash.Seed
	mask   uint64
	shards []countShard
}

type countShard struct {
	mu       sync.Mutex
	n        map[string]int
	capacity int
	_        [40]byte // keep shards on separate cache lines
}

// NewCounter returns a Counter that tracks about maxKeys active keys (at
// least 1; the bound is split evenly over the shards).
func NewCounter(maxKeys int) *Counter {
	n, per := shardCount(maxKeys)
	c := &Counter{seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]countShard, n)}
	for i := range c.shards {
		c.shards[i].n = make(map[string]int)
		c.shards[i].capacity = per
	}
	return c
}

func (c *Counter) shard(key string) *countShard {
	return &c.shards[shardOf(c.seed, key, c.mask)]
}

// Acquire takes one unit for key if it holds fewer than limit. It returns
// false, taking nothing, when key already holds limit (so limit ≤ 0 refuses
// everything) or when key is new and the table is full. Every true must be
// matched by one Release.
func (c *Counter) Acquire(key string, limit int) bool {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	n, tracked := s.n[key]
	switch {
	case n >= limit:
		return false
	case tracked:
		s.n[key] = n + 1
	case len(s.n) >= s.capacity:
		return false
	default:
		// The caller holds key for as long as the unit is held, so the
		// table keeps the same string without copying it.
		s.n[key] = 1
	}
	return true
}

// Release gives back one unit taken by Acquire. A key at zero is deleted at
// once; releasing a key that holds nothing does nothing.
func (c *Counter) Release(key string) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch n := s.n[key]; {
	case n > 1:
		s.n[key] = n - 1
	case n == 1:
		delete(s.n, key)
	}
}

// Count returns what key holds now.
func (c *Counter) Count(key string) int {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[key]
}

// Len returns the number of keys holding something.
func (c *Counter) Len() int {
	total := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		total += len(s.n)
		s.mu.Unlock()
	}
	return total
}
