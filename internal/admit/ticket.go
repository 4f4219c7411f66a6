package admit

import "time"

// waiter states.
const (
	queued = iota
	admitted
	expired
	left // removed by its caller: canceled or timed out
)

// waiter is one request waiting in its flow's queue; once admitted it
// carries the request's Ticket.
type waiter struct {
	f          *flow
	prev, next *waiter
	enqueued   int64
	state      int
	ready      chan struct{} // closed when admitted or expired
	ticket     Ticket
}

func closeReady(w *waiter) { close(w.ready) }

// outcome reads the result of a wait after ready was closed.
func (w *waiter) outcome() (*Ticket, error) {
	if w.state == admitted {
		return &w.ticket, nil
	}
	return nil, ErrWaitExceeded
}

// Ticket is one admitted request. Release it exactly once when the upstream
// has answered (or failed); later calls do nothing.
type Ticket struct {
	c       *Controller
	f       *flow
	charged time.Duration // cost charged on admission
	waited  time.Duration
	gen     int // generation of the adaptive limit at admission
}

// Waited returns how long the request waited in its queue before admission.
func (t *Ticket) Waited() time.Duration { return t.waited }

// Release frees the request's slot, charges its identity the measured
// upstream time in place of the estimate charged on admission, and feeds the
// adaptive limit. ok is false for upstream 5xx answers and timeouts.
func (t *Ticket) Release(upstreamTime time.Duration, ok bool) {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	f := t.f
	if f == nil {
		return
	}
	t.f = nil
	f.charge(upstreamTime - t.charged)
	c.sample(t, f, upstreamTime, ok)
	f.observe(upstreamTime)
	c.meanCost += (upstreamTime - c.meanCost) / 16
	c.inFlight--
	f.inFlight--
	now := c.now().UnixNano()
	c.touch(f.key, now)
	c.place(f, now)
	c.dispatch(now)
}

// refund frees the slot of a ticket that was admitted but never used,
// taking back the charge. The caller holds c.mu.
func (t *Ticket) refund(now int64) {
	f := t.f
	if f == nil {
		return
	}
	t.f = nil
	f.charge(-t.charged)
	t.c.inFlight--
	f.inFlight--
	t.c.place(f, now)
	t.c.dispatch(now)
}
