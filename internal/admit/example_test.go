package admit_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/admit"
)

func Example() {
	c, err := admit.New(admit.Options{MaxInflight: 2, MaxWait: 10 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	a, _ := c.Acquire(ctx, "CN=client-a", 1)
	b, _ := c.Acquire(ctx, "CN=client-b", 1)
	// The app is at capacity: a third request waits, then is shed.
	_, err = c.Acquire(ctx, "CN=client-c", 1)
	fmt.Println(errors.Is(err, admit.ErrWaitExceeded), c.RetryAfter() >= time.Second)
	start := time.Now()
	// ... forward the request upstream ...
	a.Release(time.Since(start), true)
	b.Release(time.Since(start), false) // a 5xx or a timeout
	s := c.Stats()
	fmt.Println(s.InFlight, s.Admitted, s.Shed.WaitExceeded)
	// Output:
	// true true
	// 0 2 1
}
