package admit

import "time"

// flow is the scheduling state of one identity. It exists while the
// identity has requests waiting or in flight, and for a while after (in the
// idle list) to keep its finish tag and latency baseline.
type flow struct {
	key      string
	weight   int64
	finish   int64 // virtual finish tag: charged upstream ns / weight
	inFlight int
	head     *waiter // queue, oldest first
	tail     *waiter
	queued   int
	cost     time.Duration // moving average of upstream time, charged on admission
	base     time.Duration // fastest recent upstream time, for the adaptive limit

	heap      *flowHeap // the heap holding this flow, nil when not backlogged
	index     int       // position in heap
	idleSince int64     // valid while in the idle list
	idlePrev  *flow
	idleNext  *flow
	isIdle    bool
}

func (f *flow) push(w *waiter) {
	w.prev = f.tail
	if f.tail != nil {
		f.tail.next = w
	} else {
		f.head = w
	}
	f.tail = w
	f.queued++
}

func (f *flow) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		f.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		f.tail = w.prev
	}
	w.prev, w.next = nil, nil
	f.queued--
}

// charge adds d of upstream time (negative to refund) to the flow's tag.
func (f *flow) charge(d time.Duration) {
	f.finish += int64(d) / f.weight
}

// observe folds one measured upstream time into the flow's cost average and
// latency baseline. The baseline follows a lower time at once and a higher
// one slowly, so it tracks the unloaded time of the identity's requests.
func (f *flow) observe(d time.Duration) {
	if f.cost == 0 {
		f.cost = d
	} else {
		f.cost += (d - f.cost) / 4
	}
	if f.base == 0 || d < f.base {
		f.base = d
	} else {
		f.base += (d - f.base) / 128
	}
}

// flowHeap orders backlogged flows by finish tag.
type flowHeap []*flow

func (h flowHeap) less(i, j int) bool { return h[i].finish < h[j].finish }

func (h flowHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h flowHeap) top() *flow {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

func (h *flowHeap) add(f *flow) {
	f.heap, f.index = h, len(*h)
	*h = append(*h, f)
	h.up(f.index)
}

func (h *flowHeap) delete(f *flow) {
	i, last := f.index, len(*h)-1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	if i != last {
		h.down(i)
		h.up(i)
	}
	f.heap = nil
}

func (h flowHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h flowHeap) down(i int) {
	for {
		small := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) && h.less(c, small) {
				small = c
			}
		}
		if small == i {
			return
		}
		h.swap(i, small)
		i = small
	}
}

// idleList holds flows with nothing waiting or in flight, oldest first.
type idleList struct {
	head, tail *flow
	n          int
}

func (l *idleList) append(f *flow, now int64) {
	f.idleSince, f.isIdle = now, true
	f.idlePrev, f.idleNext = l.tail, nil
	if l.tail != nil {
		l.tail.idleNext = f
	} else {
		l.head = f
	}
	l.tail = f
	l.n++
}

func (l *idleList) remove(f *flow) {
	if f.idlePrev != nil {
		f.idlePrev.idleNext = f.idleNext
	} else {
		l.head = f.idleNext
	}
	if f.idleNext != nil {
		f.idleNext.idlePrev = f.idlePrev
	} else {
		l.tail = f.idlePrev
	}
	f.idlePrev, f.idleNext, f.isIdle = nil, nil, false
	l.n--
}
