package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/finding"
)

// ErrBudget is returned for a request or connection the scan's budget does
// not allow. A check that meets it reports itself inconclusive.
var ErrBudget = errors.New("scan budget exhausted")

// Limits bound what a scan may send. A zero field means its default (see
// DefaultLimits).
type Limits struct {
	MaxRequests int           // HTTP requests, retries included
	MaxBytes    int64         // request bytes (headers and bodies)
	MaxConns    int           // connections open at once
	MaxDuration time.Duration // wall time of the whole scan
	MaxRPS      float64       // requests per second, paced evenly
}

// DefaultLimits are sized so a full scan of a target with ten operations
// and every identity stays well under them: it sends about 220 requests
// and 10 MiB in about 13 s (the slow-header probe's hold dominates).
var DefaultLimits = Limits{
	MaxRequests: 1000,
	MaxBytes:    64 << 20,
	MaxConns:    64,
	MaxDuration: 30 * time.Second,
	MaxRPS:      150,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxRequests > 0 {
		d.MaxRequests = l.MaxRequests
	}
	if l.MaxBytes > 0 {
		d.MaxBytes = l.MaxBytes
	}
	if l.MaxConns > 0 {
		d.MaxConns = l.MaxConns
	}
	if l.MaxDuration > 0 {
		d.MaxDuration = l.MaxDuration
	}
	if l.MaxRPS > 0 {
		d.MaxRPS = l.MaxRPS
	}
	return d
}

// Budget enforces Limits for every request and connection of a scan. It is
// safe for concurrent use; all clients of a scan share one Budget.
type Budget struct {
	limits   Limits
	start    time.Time
	deadline time.Time
	interval time.Duration

	mu       sync.Mutex
	next     time.Time // earliest start of the next request (pacing)
	requests int
	bytes    int64
	conns    atomic.Int64
	stopped  string
}

// NewBudget starts a budget of limits (zero fields take defaults) at now.
func NewBudget(limits Limits, now time.Time) *Budget {
	l := limits.withDefaults()
	return &Budget{
		limits:   l,
		start:    now,
		deadline: now.Add(l.MaxDuration),
		interval: time.Duration(float64(time.Second) / l.MaxRPS),
		next:     now,
	}
}

// Deadline is when the scan's time runs out.
func (b *Budget) Deadline() time.Time { return b.deadline }

// take reserves one request of size bytes and waits for its paced slot.
// It fails with ErrBudget when the count, the bytes or the time would be
// exceeded, and with ctx's error when ctx ends first.
func (b *Budget) take(ctx context.Context, size int64) error {
	b.mu.Lock()
	now := time.Now()
	slot := b.next
	if slot.Before(now) {
		slot = now
	}
	switch {
	case b.requests >= b.limits.MaxRequests:
		b.mu.Unlock()
		return fmt.Errorf("%w: %d requests sent (max %d)", ErrBudget, b.requests, b.limits.MaxRequests)
	case b.bytes+size > b.limits.MaxBytes:
		b.mu.Unlock()
		return fmt.Errorf("%w: %d bytes sent, %d more would pass the max of %d", ErrBudget, b.bytes, size, b.limits.MaxBytes)
	case !slot.Before(b.deadline):
		b.mu.Unlock()
		return fmt.Errorf("%w: scan time of %s used", ErrBudget, b.limits.MaxDuration)
	}
	b.requests++
	b.bytes += size
	b.next = slot.Add(b.interval)
	b.mu.Unlock()
	return sleep(ctx, time.Until(slot))
}

// openConn reserves a connection slot; release it with closeConn.
func (b *Budget) openConn() error {
	if n := b.conns.Add(1); n > int64(b.limits.MaxConns) {
		b.conns.Add(-1)
		return fmt.Errorf("%w: %d connections open (max %d)", ErrBudget, n-1, b.limits.MaxConns)
	}
	return nil
}

func (b *Budget) closeConn() { b.conns.Add(-1) }

// StopEarly records why load probes stopped before their planned end; the
// first reason is kept.
func (b *Budget) StopEarly(reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped == "" {
		b.stopped = reason
	}
}

// Used reports the limits and what of them was used, for the report.
func (b *Budget) Used(now time.Time) finding.Budget {
	b.mu.Lock()
	defer b.mu.Unlock()
	return finding.Budget{
		MaxRequests:  b.limits.MaxRequests,
		MaxSeconds:   b.limits.MaxDuration.Seconds(),
		MaxRPS:       b.limits.MaxRPS,
		MaxBytes:     b.limits.MaxBytes,
		MaxConns:     b.limits.MaxConns,
		Requests:     b.requests,
		BytesSent:    b.bytes,
		Seconds:      now.Sub(b.start).Seconds(),
		StoppedEarly: b.stopped,
	}
}

// budgetConn releases its budget slot once, on the first Close.
type budgetConn struct {
	net.Conn
	budget *Budget
	once   sync.Once
}

func (c *budgetConn) Close() error {
	c.once.Do(c.budget.closeConn)
	return c.Conn.Close()
}

// dial opens a TCP connection that counts against the budget.
func (b *Budget) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := b.openConn(); err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		b.closeConn()
		return nil, err
	}
	return &budgetConn{Conn: c, budget: b}, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
