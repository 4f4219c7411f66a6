package admit

import (
	"strings"
	"time"
)

// idleCap bounds the idle identities remembered; past it the oldest is
// forgotten and, should it return, starts at the current virtual time.
const idleCap = 4096

// arrive admits a request of key at once or queues it. The waiter it returns
// is either admitted or queued; read its state with c.mu held, or use atOnce,
// which tells whether it was admitted at once.
func (c *Controller) arrive(key string, weight int) (w *waiter, atOnce bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now().UnixNano()
	f := c.flowFor(key, weight)
	c.touch(f.key, t)
	c.dispatch(t) // the recent window may have moved since the last event
	if f.queued == 0 && c.eligible(f, t) {
		w = &waiter{f: f, enqueued: t}
		c.admit(w, t)
		return w, true, nil
	}
	c.markLimited()
	if f.queued >= c.maxQueue || c.queued >= c.maxTotal {
		c.stats.Shed.QueueFull++
		c.place(f, t)
		return nil, false, ErrQueueFull
	}
	w = &waiter{f: f, enqueued: t, ready: make(chan struct{})}
	f.push(w)
	c.queued++
	c.place(f, t)
	return w, false, nil
}

// flowFor returns key's flow, creating it or waking it from the idle list.
// A flow with nothing queued starts no earlier than the virtual time: no
// credit is saved while idle.
func (c *Controller) flowFor(key string, weight int) *flow {
	f := c.flows[key]
	if f == nil {
		f = &flow{key: strings.Clone(key)}
		c.flows[f.key] = f
	}
	if f.isIdle {
		c.idle.remove(f)
	}
	if f.queued == 0 {
		f.finish = max(f.finish, c.vtime)
	}
	f.weight = int64(max(weight, 1))
	return f
}

// touch records that key was seen at now, for the headroom rule.
func (c *Controller) touch(key string, now int64) {
	if c.seen[0].key == key {
		c.seen[0].at = now
		return
	}
	c.seen[1] = c.seen[0]
	c.seen[0] = sighting{key: key, at: now, set: true}
}

// shared reports whether more than one identity has been seen recently.
func (c *Controller) shared(now int64) bool {
	s := c.seen[1]
	return s.set && now-s.at <= int64(c.recent)
}

// reserve is the number of slots kept for identities holding none.
func (c *Controller) reserve() int { return max(1, c.limit/8) }

// eligible reports whether f may start one more request now: there is room,
// and f either holds nothing or leaves the reserve free while others are
// active.
func (c *Controller) eligible(f *flow, now int64) bool {
	if c.inFlight >= c.limit {
		return false
	}
	return f.inFlight == 0 || !c.shared(now) || c.inFlight < c.limit-c.reserve()
}

// pick returns the backlogged flow to serve next, or nil: the eligible one
// with the smallest finish tag, a flow holding nothing winning ties.
func (c *Controller) pick(now int64) *flow {
	fresh, busy := c.fresh.top(), c.busy.top()
	if busy != nil && c.eligible(busy, now) && (fresh == nil || busy.finish < fresh.finish) {
		return busy
	}
	if fresh != nil && c.eligible(fresh, now) {
		return fresh
	}
	return nil
}

// dispatch admits waiters while there is room for an eligible one. A waiter
// found past its maximum wait is expired instead.
func (c *Controller) dispatch(now int64) {
	for f := c.pick(now); f != nil; f = c.pick(now) {
		w := f.head
		f.remove(w)
		c.queued--
		if now-w.enqueued >= int64(c.maxWait) {
			w.state = expired
			c.stats.Shed.WaitExceeded++
			c.place(f, now)
			c.wake(w)
			continue
		}
		c.admit(w, now)
		c.wake(w)
	}
}

// admit gives w a slot and charges its flow the expected cost; Release
// corrects the charge with the measured time.
func (c *Controller) admit(w *waiter, now int64) {
	f := w.f
	c.vtime = max(c.vtime, f.finish)
	est := f.cost
	if est == 0 {
		est = max(c.meanCost, time.Millisecond)
	}
	f.charge(est)
	w.ticket = Ticket{c: c, f: f, charged: est, waited: time.Duration(now - w.enqueued), gen: c.generation()}
	w.state = admitted
	c.inFlight++
	f.inFlight++
	c.stats.Admitted++
	c.place(f, now)
}

// place files f where its state says: a heap when it has waiters, the idle
// list when it has nothing at all. Then it forgets idle flows past their time.
func (c *Controller) place(f *flow, now int64) {
	if f.heap != nil {
		f.heap.delete(f)
	}
	switch {
	case f.queued > 0 && f.inFlight == 0:
		c.fresh.add(f)
	case f.queued > 0:
		c.busy.add(f)
	case f.inFlight == 0 && !f.isIdle:
		c.idle.append(f, now)
	}
	c.forgetIdle(now)
}

func (c *Controller) forgetIdle(now int64) {
	for f := c.idle.head; f != nil; f = c.idle.head {
		if c.idle.n <= idleCap && now-f.idleSince <= int64(c.recent) {
			return
		}
		c.idle.remove(f)
		delete(c.flows, f.key)
	}
}

// abandon takes w out after its caller stopped waiting with err. If w was
// admitted meanwhile, its slot is given back.
func (c *Controller) abandon(w *waiter, err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now().UnixNano()
	switch w.state {
	case expired:
		return ErrWaitExceeded
	case queued:
		w.f.remove(w)
		c.queued--
		c.place(w.f, now)
		c.dispatch(now) // the recent window may have moved since the last event
	case admitted:
		c.stats.Admitted--
		w.ticket.refund(now)
	}
	w.state = left
	if err == ErrWaitExceeded {
		c.stats.Shed.WaitExceeded++
	} else {
		c.stats.Shed.Canceled++
	}
	return err
}
