package admit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Errors returned by Acquire when a request is shed. The caller answers 503
// with a Retry-After from RetryAfter. Context errors are returned as they are.
var (
	ErrQueueFull    = errors.New("admit: queue full")
	ErrWaitExceeded = errors.New("admit: queue wait exceeded")
)

// Defaults for zero Options fields.
const (
	DefaultMaxQueue = 64
	DefaultMaxWait  = time.Second
	DefaultRecent   = 2 * time.Second
	DefaultMin      = 1
	DefaultMax      = 1000
)

// Options configure a Controller. Zero fields take the documented defaults.
type Options struct {
	// MaxInflight is the fixed number of requests the app may work on at
	// once. Required (≥ 1) unless Auto is set.
	MaxInflight int
	// Auto makes the limit adaptive, between Min (default 1) and Max
	// (default 1000), starting at 4; MaxInflight is then ignored.
	Auto     bool
	Min, Max int
	// MaxQueue bounds each identity's queue (default 64).
	MaxQueue int
	// MaxQueued bounds the waiters of all identities together
	// (default 64 × MaxQueue).
	MaxQueued int
	// MaxWait bounds the time a request waits for a slot (default 1s).
	MaxWait time.Duration
	// Recent is how long an identity counts as active after its last
	// request, for the headroom rule, and how long an idle identity's
	// finish tag is kept (default 2s).
	Recent time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Controller admits requests to the upstream within its capacity, fairly
// between identities. It is safe for concurrent use.
type Controller struct {
	mu       sync.Mutex
	now      func() time.Time
	maxQueue int
	maxTotal int
	maxWait  time.Duration
	recent   time.Duration
	adaptive *gradient // nil for a fixed limit

	limit    int
	inFlight int
	queued   int
	vtime    int64 // virtual time: the tag of the last admitted flow
	meanCost time.Duration
	flows    map[string]*flow
	fresh    flowHeap // backlogged flows with nothing in flight
	busy     flowHeap // backlogged flows with requests in flight
	idle     idleList
	seen     [2]sighting // the two identities seen last, latest first
	stats    Stats

	// wake tells an admitted or expired waiter; tests replace it to drive
	// the scheduler without goroutines.
	wake func(*waiter)
}

// sighting records when an identity was last seen.
type sighting struct {
	key string
	at  int64
	set bool
}

// New validates o and returns a Controller.
func New(o Options) (*Controller, error) {
	if err := o.withDefaults(); err != nil {
		return nil, err
	}
	c := &Controller{
		now: o.Now, maxQueue: o.MaxQueue, maxTotal: o.MaxQueued, maxWait: o.MaxWait, recent: o.Recent,
		limit: o.MaxInflight, flows: make(map[string]*flow), wake: closeReady,
	}
	if o.Auto {
		c.adaptive = newGradient(o.Min, o.Max)
		c.limit = c.adaptive.initial()
	}
	c.stats.Limit = c.limit
	return c, nil
}

func (o *Options) withDefaults() error {
	if o.Now == nil {
		o.Now = time.Now
	}
	o.MaxQueue = orDefault(o.MaxQueue, DefaultMaxQueue)
	o.MaxQueued = orDefault(o.MaxQueued, 64*o.MaxQueue)
	o.MaxWait = orDefault(o.MaxWait, DefaultMaxWait)
	o.Recent = orDefault(o.Recent, DefaultRecent)
	o.Min = orDefault(o.Min, DefaultMin)
	o.Max = orDefault(o.Max, DefaultMax)
	switch {
	case !o.Auto && o.MaxInflight < 1:
		return fmt.Errorf("admit: max_inflight is %d: set it to the number of requests the app can work on at once (≥ 1), or to auto", o.MaxInflight)
	case o.Auto && (o.Min < 1 || o.Max < o.Min):
		return fmt.Errorf("admit: auto limit bounds min %d, max %d: need 1 ≤ min ≤ max", o.Min, o.Max)
	case o.MaxQueue < 0 || o.MaxQueued < 0 || o.MaxWait < 0 || o.Recent < 0:
		return fmt.Errorf("admit: max_queue %d, max_queued %d, max_queue_wait %v and recent %v must not be negative",
			o.MaxQueue, o.MaxQueued, o.MaxWait, o.Recent)
	}
	return nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Acquire admits one request of the identity key, with its weight (values
// below 1 count as 1), returning at once when there is room and waiting in
// the identity's queue otherwise. It returns ErrQueueFull or ErrWaitExceeded
// when the request is shed, and ctx's error if ctx ends first; in every
// error case nothing is held. On success the Ticket must be released once.
func (c *Controller) Acquire(ctx context.Context, key string, weight int) (*Ticket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w, atOnce, err := c.arrive(key, weight)
	switch {
	case err != nil:
		return nil, err
	case atOnce:
		return &w.ticket, nil
	}
	timer := time.NewTimer(c.maxWait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return w.outcome()
	case <-ctx.Done():
		return nil, c.abandon(w, ctx.Err())
	case <-timer.C:
		return nil, c.abandon(w, ErrWaitExceeded)
	}
}

// RetryAfter suggests how long a shed client should wait: about the time the
// current queue needs to drain, at least the maximum wait and one second,
// with up to 100% random jitter so that shed clients do not return together.
func (c *Controller) RetryAfter() time.Duration {
	c.mu.Lock()
	drain := time.Duration(c.queued) * c.meanCost / time.Duration(max(c.limit, 1))
	c.mu.Unlock()
	base := max(drain, c.maxWait, time.Second)
	return base + rand.N(base)
}

// Stats is a snapshot of the Controller, for metrics.
type Stats struct {
	InFlight   int // requests admitted and not yet released
	Limit      int // current limit on InFlight
	Queued     int // requests waiting
	ActiveKeys int // identities with requests waiting or in flight
	Admitted   uint64
	Shed       Shed
}

// Shed counts requests that were not admitted, by reason.
type Shed struct {
	QueueFull    uint64
	WaitExceeded uint64
	Canceled     uint64 // the caller's context ended while waiting
}

// Stats returns a snapshot of the Controller's state and counters.
func (c *Controller) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.InFlight, s.Limit, s.Queued = c.inFlight, c.limit, c.queued
	s.ActiveKeys = len(c.flows) - c.idle.n
	return s
}
