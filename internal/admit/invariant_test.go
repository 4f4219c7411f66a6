package admit

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// check verifies the controller's bookkeeping: counts agree with the flows,
// heaps hold exactly the backlogged flows in heap order, the idle list holds
// exactly the flows with nothing, the limit holds, and no slot is left empty
// while an eligible request waits (the scheduler is work-conserving).
func check(t *testing.T, c *Controller) {
	t.Helper()
	inFlight, queued, idle := 0, 0, 0
	for k, f := range c.flows {
		inFlight += f.inFlight
		queued += f.queued
		n := 0
		for w := f.head; w != nil; w = w.next {
			n++
		}
		switch {
		case k != f.key || n != f.queued || f.inFlight < 0:
			t.Fatalf("flow %q: key %q, %d waiters listed, %d counted, %d in flight", k, f.key, n, f.queued, f.inFlight)
		case f.queued > 0 && (f.heap == nil || (*f.heap)[f.index] != f):
			t.Fatalf("backlogged flow %q not in a heap", k)
		case f.queued == 0 && f.heap != nil:
			t.Fatalf("flow %q with nothing queued in a heap", k)
		case f.isIdle != (f.queued == 0 && f.inFlight == 0):
			t.Fatalf("flow %q: idle %v with %d queued, %d in flight", k, f.isIdle, f.queued, f.inFlight)
		}
		if f.isIdle {
			idle++
		}
	}
	if inFlight != c.inFlight || queued != c.queued || idle != c.idle.n {
		t.Fatalf("counts: in flight %d/%d, queued %d/%d, idle %d/%d", inFlight, c.inFlight, queued, c.queued, idle, c.idle.n)
	}
	if c.inFlight > c.limit && c.adaptive == nil {
		t.Fatalf("%d in flight over the limit %d", c.inFlight, c.limit)
	}
	for _, h := range []flowHeap{c.fresh, c.busy} {
		for i := 1; i < len(h); i++ {
			if h.less(i, (i-1)/2) {
				t.Fatalf("heap order broken at %d", i)
			}
		}
	}
	if f := c.pick(c.now().UnixNano()); f != nil {
		t.Fatalf("flow %q could start but waits (%d in flight, limit %d)", f.key, c.inFlight, c.limit)
	}
}

// drive runs the operations that ops encodes against a rig, checking the
// invariants after each one.
func drive(t *testing.T, o Options, ops []byte) {
	r := newRig(t, o)
	var held []*waiter
	var waiting []*waiter
	r.c.wake = func(w *waiter) {
		if w.state == admitted {
			held = append(held, w)
		}
	}
	keys := []string{"a", "b", "c", "d", "e"}
	for i := 0; i+1 < len(ops); i += 2 {
		op, arg := ops[i]%5, int(ops[i+1])
		event := true
		switch op {
		case 0, 1: // a request arrives
			w, atOnce, err := r.c.arrive(keys[arg%len(keys)], 1+arg%3)
			switch {
			case err != nil:
			case atOnce:
				held = append(held, w)
			default:
				waiting = append(waiting, w)
			}
		case 2: // a held request ends
			event = len(held) > 0
			if event {
				j := arg % len(held)
				held[j].ticket.Release(time.Duration(arg)*time.Millisecond, arg%7 != 0)
				held = append(held[:j], held[j+1:]...)
			}
		case 3: // a waiting caller gives up
			event = len(waiting) > 0
			if event {
				j := arg % len(waiting)
				if w := waiting[j]; w.state == queued {
					r.c.abandon(w, context.Canceled)
				} else {
					event = false
				}
				waiting = append(waiting[:j], waiting[j+1:]...)
			}
		case 4: // time passes; the next event reacts to it
			r.at += time.Duration(arg) * 10 * time.Millisecond
			event = false
		}
		if event {
			check(t, r.c)
		}
	}
}

func TestInvariantsRandom(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		ops := make([]byte, 4000)
		for i := range ops {
			ops[i] = byte(rng.Uint32())
		}
		drive(t, Options{MaxInflight: 1 + int(seed%5), MaxQueue: 3, MaxWait: 500 * time.Millisecond, Recent: time.Second}, ops)
		drive(t, Options{Auto: true, Max: 8, MaxQueue: 3, MaxWait: 500 * time.Millisecond, Recent: time.Second}, ops)
	}
}

func FuzzSchedule(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 1, 3, 2, 0, 4, 50, 2, 1, 3, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		drive(t, Options{MaxInflight: 2, MaxQueue: 2, MaxWait: 300 * time.Millisecond, Recent: 500 * time.Millisecond}, ops)
	})
}
