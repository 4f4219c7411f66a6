package limit_test

import (
	"fmt"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/limit"
)

func ExampleLimiter() {
	l := limit.NewLimiter(10_000)
	p := limit.NewPolicy(20, time.Second, 40) // 20/s, bursts of 40
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var d limit.Decision
	for range 41 {
		d = l.Allow("CN=client-a", p, now)
	}
	fmt.Printf("RateLimit-Policy: q=%d;w=%d\n", p.Limit(), int(p.Window().Seconds()))
	fmt.Printf("allowed=%v retry-after=%v reset-after=%v\n", d.Allowed, d.RetryAfter, d.ResetAfter)
	// Output:
	// RateLimit-Policy: q=40;w=2
	// allowed=false retry-after=50ms reset-after=2s
}

func ExampleCounter() {
	c := limit.NewCounter(10_000)
	fmt.Println(c.Acquire("CN=client-a", 2), c.Acquire("CN=client-a", 2), c.Acquire("CN=client-a", 2))
	c.Release("CN=client-a")
	c.Release("CN=client-a")
	fmt.Println(c.Count("CN=client-a"), c.Len())
	// Output:
	// true true false
	// 0 0
}
