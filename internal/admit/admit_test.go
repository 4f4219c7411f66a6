package admit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// rig drives a Controller without goroutines: a fake clock, and a wake hook
// that records which waiters were admitted or expired, in order.
type rig struct {
	t     *testing.T
	c     *Controller
	at    time.Duration
	woken []*waiter
}

func newRig(t *testing.T, o Options) *rig {
	t.Helper()
	r := &rig{t: t}
	o.Now = func() time.Time { return epoch.Add(r.at) }
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.wake = func(w *waiter) { r.woken = append(r.woken, w) }
	r.c = c
	return r
}

// arrive sends one request; it fails the test on an unexpected error.
func (r *rig) arrive(key string, weight int) *waiter {
	r.t.Helper()
	w, _, err := r.c.arrive(key, weight)
	if err != nil {
		r.t.Fatalf("arrive(%s): %v", key, err)
	}
	return w
}

// keys returns the identities of the waiters woken since the last call.
func (r *rig) keys() string {
	var b []string
	for _, w := range r.woken {
		b = append(b, w.f.key)
	}
	r.woken = nil
	return strings.Join(b, ",")
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string // substring of the error; "" for success
	}{
		{"fixed", Options{MaxInflight: 4}, ""},
		{"auto", Options{Auto: true}, ""},
		{"no limit", Options{}, "max_inflight is 0: set it to the number of requests"},
		{"negative limit", Options{MaxInflight: -1}, "max_inflight is -1"},
		{"auto min above max", Options{Auto: true, Min: 10, Max: 5}, "min 10, max 5: need 1 ≤ min ≤ max"},
		{"negative wait", Options{MaxInflight: 1, MaxWait: -time.Second}, "must not be negative"},
		{"negative queue", Options{MaxInflight: 1, MaxQueue: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.o)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestQueueAndRelease(t *testing.T) {
	r := newRig(t, Options{MaxInflight: 2})
	a1, a2, a3 := r.arrive("a", 1), r.arrive("a", 1), r.arrive("a", 1)
	if a1.state != admitted || a2.state != admitted || a3.state != queued {
		t.Fatalf("states %d %d %d, want admitted, admitted, queued", a1.state, a2.state, a3.state)
	}
	if s := r.c.Stats(); s.InFlight != 2 || s.Queued != 1 || s.ActiveKeys != 1 || s.Admitted != 2 || s.Limit != 2 {
		t.Fatalf("stats %+v", s)
	}
	r.at += 10 * time.Millisecond
	a1.ticket.Release(10*time.Millisecond, true)
	if got := r.keys(); got != "a" || a3.state != admitted {
		t.Fatalf("woken %q, a3 state %d; want a3 admitted", got, a3.state)
	}
	if a3.ticket.Waited() != 10*time.Millisecond {
		t.Fatalf("Waited() = %v, want 10ms", a3.ticket.Waited())
	}
	a1.ticket.Release(10*time.Millisecond, true) // twice: no effect
	a2.ticket.Release(time.Millisecond, true)
	a3.ticket.Release(time.Millisecond, true)
	if s := r.c.Stats(); s.InFlight != 0 || s.Queued != 0 || s.ActiveKeys != 0 || s.Admitted != 3 {
		t.Fatalf("stats after releases %+v", s)
	}
}

// TestNewcomerFirst: with one slot, an identity that arrives while another
// has been using the app is served before the other's queued requests, then
// they alternate.
func TestNewcomerFirst(t *testing.T) {
	r := newRig(t, Options{MaxInflight: 1})
	cur := r.arrive("a", 1)
	for range 3 {
		r.arrive("a", 1)
	}
	r.arrive("b", 1)
	r.arrive("b", 1)
	var order []string
	for range 5 {
		r.at += 10 * time.Millisecond
		cur.ticket.Release(10*time.Millisecond, true)
		cur = r.woken[0]
		order = append(order, r.keys())
	}
	if got := strings.Join(order, " "); got != "b a b a a" {
		t.Fatalf("admission order %q, want %q", got, "b a b a a")
	}
}

// serve runs a one-slot controller for n admissions with every identity
// always backlogged; cost gives each identity's upstream time. It returns
// the admissions and the upstream time of each identity.
func serve(t *testing.T, n int, cost map[string]time.Duration, weight map[string]int) (map[string]int, map[string]time.Duration) {
	t.Helper()
	r := newRig(t, Options{MaxInflight: 1, MaxQueue: 1000})
	var cur *waiter
	for _, k := range []string{"a", "b"} {
		for range 3 {
			if w := r.arrive(k, weight[k]); w.state == admitted {
				cur = w
			}
		}
	}
	count, used := map[string]int{}, map[string]time.Duration{}
	for range n {
		k := cur.f.key
		count[k]++
		used[k] += cost[k]
		r.at += cost[k]
		r.arrive(k, weight[k]) // keep k backlogged
		cur.ticket.Release(cost[k], true)
		cur = r.woken[len(r.woken)-1]
		r.woken = nil
	}
	return count, used
}

func TestCostWeighting(t *testing.T) {
	cost := map[string]time.Duration{"a": 200 * time.Millisecond, "b": 5 * time.Millisecond}
	count, used := serve(t, 820, cost, nil)
	// Fair queuing shares upstream time: the two differ by at most about
	// one expensive request.
	if diff := (used["a"] - used["b"]).Abs(); diff > 2*cost["a"] {
		t.Fatalf("upstream time a=%v b=%v: differ by %v, want ≤ %v", used["a"], used["b"], diff, 2*cost["a"])
	}
	if count["b"] < 35*count["a"] {
		t.Fatalf("admissions a=%d b=%d: the 5ms identity should get ~40× the 200ms one", count["a"], count["b"])
	}
}

func TestWeights(t *testing.T) {
	cost := map[string]time.Duration{"a": 10 * time.Millisecond, "b": 10 * time.Millisecond}
	count, _ := serve(t, 400, cost, map[string]int{"a": 3, "b": 1})
	if count["a"] < 3*count["b"]-6 || count["a"] > 3*count["b"]+6 {
		t.Fatalf("admissions a=%d b=%d, want a ≈ 3×b", count["a"], count["b"])
	}
}

func TestQueueBounds(t *testing.T) {
	r := newRig(t, Options{MaxInflight: 1, MaxQueue: 2, MaxQueued: 3})
	r.arrive("a", 1)
	r.arrive("a", 1)
	r.arrive("a", 1)
	if _, _, err := r.c.arrive("a", 1); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third queued request of a: %v, want ErrQueueFull", err)
	}
	r.arrive("b", 1)
	if _, _, err := r.c.arrive("c", 1); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("fourth queued request in all: %v, want ErrQueueFull", err)
	}
	s := r.c.Stats()
	if s.Queued != 3 || s.Shed.QueueFull != 2 || s.ActiveKeys != 2 {
		t.Fatalf("stats %+v, want 3 queued, 2 shed, 2 active", s)
	}
}

func TestWaitExpiresAtDispatch(t *testing.T) {
	r := newRig(t, Options{MaxInflight: 1, MaxWait: 100 * time.Millisecond})
	a := r.arrive("a", 1)
	late := r.arrive("b", 1)
	r.at += 60 * time.Millisecond
	onTime := r.arrive("c", 1)
	r.at += 50 * time.Millisecond
	a.ticket.Release(110*time.Millisecond, true)
	if late.state != expired || onTime.state != admitted {
		t.Fatalf("states late=%d onTime=%d, want expired and admitted", late.state, onTime.state)
	}
	if _, err := late.outcome(); !errors.Is(err, ErrWaitExceeded) {
		t.Fatalf("outcome of the late waiter: %v, want ErrWaitExceeded", err)
	}
	if s := r.c.Stats(); s.Shed.WaitExceeded != 1 || s.Queued != 0 || s.InFlight != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestHeadroom: while two identities are active, one identity may not hold
// the last slot; alone, it may.
func TestHeadroom(t *testing.T) {
	r := newRig(t, Options{MaxInflight: 4, Recent: time.Second, MaxWait: time.Minute})
	v := r.arrive("victim", 1)
	r.at += time.Millisecond
	v.ticket.Release(time.Millisecond, true)
	var held []*waiter
	for range 6 {
		if w := r.arrive("abuser", 1); w.state == admitted {
			held = append(held, w)
		}
	}
	if len(held) != 3 {
		t.Fatalf("abuser holds %d slots with a victim active, want 3", len(held))
	}
	v = r.arrive("victim", 1)
	if v.state != admitted {
		t.Fatal("victim not admitted at once into the reserve")
	}
	// Once the victim has been quiet for Recent, the abuser may fill up.
	r.at += 2 * time.Second
	held[0].ticket.Release(time.Millisecond, true)
	if got := r.keys(); got != "abuser" {
		t.Fatalf("woken %q after the victim went quiet, want one abuser request", got)
	}
	// The victim's release counts as activity: the reserve stays.
	v.ticket.Release(time.Millisecond, true)
	if got := r.keys(); got != "" {
		t.Fatalf("woken %q right after the victim's release, want none", got)
	}
	r.at += 2 * time.Second
	held[1].ticket.Release(time.Millisecond, true)
	if got := r.keys(); got != "abuser,abuser" {
		t.Fatalf("woken %q with the abuser alone, want two abuser requests", got)
	}
	if s := r.c.Stats(); s.InFlight != 4 || s.ActiveKeys != 1 {
		t.Fatalf("stats %+v, want the abuser alone holding all 4 slots", s)
	}
}

func TestAbandon(t *testing.T) {
	r := newRig(t, Options{MaxInflight: 1})
	a := r.arrive("a", 1)
	b := r.arrive("b", 1)
	c := r.arrive("c", 1)
	if err := r.c.abandon(b, context.Canceled); !errors.Is(err, context.Canceled) {
		t.Fatalf("abandon: %v", err)
	}
	a.ticket.Release(time.Millisecond, true)
	if got := r.keys(); got != "c" {
		t.Fatalf("woken %q, want c (b left)", got)
	}
	// c was admitted but its caller is gone: the slot comes back.
	if err := r.c.abandon(c, context.DeadlineExceeded); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("abandon: %v", err)
	}
	s := r.c.Stats()
	if s.InFlight != 0 || s.Queued != 0 || s.Admitted != 1 || s.Shed.Canceled != 2 {
		t.Fatalf("stats %+v, want nothing held, 1 admitted, 2 canceled", s)
	}
}

// TestIdleForgotten: identities that come and go leave no state behind
// once Recent has passed.
func TestIdleForgotten(t *testing.T) {
	r := newRig(t, Options{MaxInflight: 8, Recent: time.Second})
	for i := range 10000 {
		w := r.arrive(string(rune('a'+i%26))+strings.Repeat("x", i%400), 1)
		r.at += time.Millisecond
		w.ticket.Release(time.Millisecond, true)
	}
	if n := len(r.c.flows); n > idleCap {
		t.Fatalf("%d flows kept, cap %d", n, idleCap)
	}
	r.at += 2 * time.Second
	r.arrive("last", 1).ticket.Release(time.Millisecond, true)
	if n := len(r.c.flows); n != 1 {
		t.Fatalf("%d flows kept after Recent passed, want 1", n)
	}
}
