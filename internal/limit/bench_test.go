package limit

import (
	"strconv"
	"sync/atomic"
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

// benchAllow measures decisions on existing keys. The clock advances by one
// emission interval per call so most decisions are allowed and write back.
func benchAllow(b *testing.B, nKeys int, parallel bool) {
	keys := benchKeys(nKeys)
	p := NewPolicy(1000, time.Second, 100)
	l := NewLimiter(nKeys * 2)
	for _, k := range keys {
		l.Allow(k, p, t0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		for i := 0; b.Loop(); i++ {
			l.Allow(keys[i%nKeys], p, t0.Add(time.Duration(i)*time.Millisecond))
		}
		return
	}
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(seq.Add(1)) * 7919
		for pb.Next() {
			i++
			l.Allow(keys[i%nKeys], p, t0.Add(time.Duration(i)*time.Millisecond))
		}
	})
}

func BenchmarkAllow(b *testing.B) {
	for _, n := range []int{1, 100_000} {
		b.Run("keys="+strconv.Itoa(n)+"/serial", func(b *testing.B) { benchAllow(b, n, false) })
		b.Run("keys="+strconv.Itoa(n)+"/parallel", func(b *testing.B) { benchAllow(b, n, true) })
	}
}

func BenchmarkCounterAcquireRelease(b *testing.B) {
	for _, n := range []int{1, 100_000} {
		keys := benchKeys(n)
		c := NewCounter(n * 2)
		b.Run("keys="+strconv.Itoa(n)+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := keys[i%n]
				if c.Acquire(k, 8) {
					c.Release(k)
				}
			}
		})
		b.Run("keys="+strconv.Itoa(n)+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			var seq atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1)) * 7919
				for pb.Next() {
					i++
					k := keys[i%n]
					if c.Acquire(k, 1<<30) {
						c.Release(k)
					}
				}
			})
		})
	}
}
