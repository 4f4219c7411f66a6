package limit

import (
	"math"
	"time"
)

// InfDuration is the RetryAfter of a request that can never fit, because it
// asks for more events than the burst.
const InfDuration = time.Duration(math.MaxInt64)

// Policy is a GCRA (generic cell rate algorithm) rate: one event every
// emission interval on average, and up to burst events at once.
//
// GCRA keeps one number per key, the theoretical arrival time (TAT) of the
// next event if the key sent at exactly the rate. An event at time now is
// allowed while TAT − now stays within the burst, that is while
// max(TAT, now) + interval − now ≤ interval × burst, and each allowed event
// pushes TAT on by one interval. It is a token bucket expressed as a time.
//
// The zero Policy allows every event and tracks nothing.
type Policy struct {
	interval time.Duration // emission interval: per / n
	burst    int
}

// NewPolicy returns the rate of n events per period per, with up to burst
// events at once. Arguments below 1 (or 1 ns for per) are raised to it, so the
// result is always a valid limit; configuration is validated before this.
func NewPolicy(n int, per time.Duration, burst int) Policy {
	n = max(n, 1)
	per = max(per, time.Nanosecond)
	return Policy{interval: max(per/time.Duration(n), time.Nanosecond), burst: max(burst, 1)}
}

// Limit returns the burst: the number of events a full bucket allows at
// once (the q of a RateLimit-Policy header).
func (p Policy) Limit() int { return p.burst }

// Window returns the time an empty bucket takes to fill again (the w of a
// RateLimit-Policy header): 20 events per second with burst 40 → 2s.
func (p Policy) Window() time.Duration { return p.interval * time.Duration(p.burst) }

// Interval returns the emission interval: the average time between events.
func (p Policy) Interval() time.Duration { return p.interval }

func (p Policy) unlimited() bool { return p.interval == 0 }

// Decision is the outcome of one rate decision, with what a caller needs to
// answer with RateLimit and Retry-After headers.
type Decision struct {
	// Allowed reports whether the events may proceed.
	Allowed bool
	// Limit is the policy's burst.
	Limit int
	// Remaining is how many more events would be allowed right now,
	// after this decision.
	Remaining int
	// RetryAfter, when not Allowed, is how long to wait before the
	// same request fits; InfDuration if it never can.
	RetryAfter time.Duration
	// ResetAfter is the time until the bucket is full again (the t of
	// a RateLimit header).
	ResetAfter time.Duration
	// Overflow reports a denial because the table of tracked keys is full
	// and no entry could be reclaimed: the limiter fails closed.
	Overflow bool
}

// decide applies GCRA for n events at now to a key whose TAT is tat (both
// in Unix nanoseconds; an untracked key has tat ≤ now). It returns the new
// TAT, equal to tat when the events are denied.
func (p Policy) decide(tat, now int64, n int) (int64, Decision) {
	d := Decision{Limit: p.burst}
	if n > p.burst {
		d.RetryAfter = InfDuration
		d.ResetAfter = time.Duration(max(tat-now, 0))
		return tat, d
	}
	base := max(tat, now)
	window := int64(p.Window())
	next := base + int64(n)*int64(p.interval)
	allowAt := next - window
	if now < allowAt {
		d.RetryAfter = time.Duration(allowAt - now)
		d.ResetAfter = time.Duration(base - now)
		return tat, d
	}
	d.Allowed = true
	d.Remaining = int((window - (next - now)) / int64(p.interval))
	d.ResetAfter = time.Duration(next - now)
	return next, d
}
