package limit

import (
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// Limiter applies GCRA policies to keys, keeping one theoretical arrival
// time per key in a bounded table. It is safe for concurrent use; the table
// is split into shards, each with its own lock.
//
// Memory is bounded by the maxKeys given to NewLimiter. An entry is dropped
// only when its bucket is full again (TAT ≤ now): such an entry behaves
// exactly like an untracked key, so dropping it never hands a key more budget
// (unlike limiters that evict busy keys and give them a fresh bucket). When a
// new key arrives at a full shard, the shard first reclaims its full entries;
// if there are none, the new key is denied with Overflow set: the table
// fails closed. Call Sweep periodically to keep the table small.
type Limiter struct {
	seed   maphash.Seed
	mask   uint64
	shards []rateShard
}

type rateShard struct {
	mu       sync.Mutex
	tat      map[string]int64 // key → theoretical arrival time, Unix ns
	capacity int
	// noReclaimBefore is a lower bound on the earliest TAT in a full
	// shard, learned by the last scan that reclaimed nothing: until then
	// no entry can be full, so a new key is denied without scanning.
	noReclaimBefore int64
	_               [32]byte // keep shards on separate cache lines
}

// NewLimiter returns a Limiter that tracks about maxKeys keys (at least 1;
// the bound is split evenly over the shards).
func NewLimiter(maxKeys int) *Limiter {
	n, per := shardCount(maxKeys)
	l := &Limiter{seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]rateShard, n)}
	for i := range l.shards {
		l.shards[i].tat = make(map[string]int64)
		l.shards[i].capacity = per
	}
	return l
}

// Allow is shorthand for AllowN(key, p, 1, now).
func (l *Limiter) Allow(key string, p Policy, now time.Time) Decision {
	return l.AllowN(key, p, 1, now)
}

// AllowN decides whether n events for key may happen at now under p, and
// records them if so. n = 0 reports the key's state without consuming
// anything or tracking the key. It does not allocate for a tracked key.
func (l *Limiter) AllowN(key string, p Policy, n int, now time.Time) Decision {
	if p.unlimited() {
		return Decision{Allowed: true}
	}
	n = max(n, 0)
	t := now.UnixNano()
	s := &l.shards[shardOf(l.seed, key, l.mask)]
	s.mu.Lock()
	defer s.mu.Unlock()
	tat, tracked := s.tat[key]
	if !tracked {
		tat = t
	}
	next, d := p.decide(tat, t, n)
	switch {
	case !d.Allowed || n == 0:
		// nothing consumed: no entry to write
	case tracked:
		s.tat[key] = next
	case !s.admitNew(t):
		// A slot frees no earlier than the shard's earliest TAT.
		return Decision{Limit: p.burst, RetryAfter: time.Duration(s.noReclaimBefore - t), Overflow: true}
	default:
		s.tat[strings.Clone(key)] = next
	}
	return d
}

// admitNew reports whether the shard has room for one more key at now,
// reclaiming full entries if it is at capacity.
func (s *rateShard) admitNew(now int64) bool {
	if len(s.tat) < s.capacity {
		return true
	}
	if now < s.noReclaimBefore {
		return false
	}
	s.reclaim(now)
	return len(s.tat) < s.capacity
}

// reclaim drops every full entry (TAT ≤ now) and returns how many it
// dropped. The scan is bounded by the shard's capacity, and after a scan
// that frees nothing the next one waits until the earliest TAT has passed.
func (s *rateShard) reclaim(now int64) int {
	dropped := 0
	earliest := int64(1<<63 - 1)
	for k, tat := range s.tat {
		if tat <= now {
			delete(s.tat, k)
			dropped++
			continue
		}
		earliest = min(earliest, tat)
	}
	if dropped == 0 {
		s.noReclaimBefore = earliest
	}
	return dropped
}

// Sweep drops every entry whose bucket is full again at now and returns how
// many it dropped. Dropping them gives no key more budget.
func (l *Limiter) Sweep(now time.Time) int {
	t := now.UnixNano()
	dropped := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		dropped += s.reclaim(t)
		s.mu.Unlock()
	}
	return dropped
}

// Len returns the number of keys tracked.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.tat)
		s.mu.Unlock()
	}
	return n
}
