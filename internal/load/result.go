package load

import (
	"encoding/json"
	"maps"
	"sync"
	"time"
)

// Summary condenses a latency distribution. In JSON the latencies are
// milliseconds: {"count", "p50_ms", "p90_ms", "p99_ms", "max_ms"}.
type Summary struct {
	Count              int64
	P50, P90, P99, Max time.Duration
}

type summaryJSON struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// MarshalJSON writes the summary with latencies in milliseconds.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(summaryJSON{Count: s.Count, P50: ms(s.P50), P90: ms(s.P90), P99: ms(s.P99), Max: ms(s.Max)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Summary) UnmarshalJSON(b []byte) error {
	var j summaryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Summary{Count: j.Count, P50: fromMS(j.P50), P90: fromMS(j.P90), P99: fromMS(j.P99), Max: fromMS(j.Max)}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fromMS(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// Result is what one generator measured. Requests counts every request that
// was sent and finished, with a response or with an error; OK counts 2xx
// responses. Latency covers all of them, errors included (a request that
// timed out after 30 s took 30 s), each timed until its response body was
// read. Duration runs from the generator's start until its last request
// finished.
//
// In JSON (see MarshalJSON) the fields are requests, ok, success_rate,
// statuses (keyed by the status code as a string), errors (keyed by class,
// see ClassifyError), latency (see Summary), duration_s, requests_per_s and
// ok_per_s.
type Result struct {
	Requests  int
	OK        int
	Statuses  map[int]int
	Errors    map[string]int
	Latency   Summary
	Duration  time.Duration
	Histogram *Histogram // the full distribution behind Latency; nil in a Result read from JSON
}

type resultJSON struct {
	Requests     int            `json:"requests"`
	OK           int            `json:"ok"`
	SuccessRate  float64        `json:"success_rate"`
	Statuses     map[int]int    `json:"statuses"`
	Errors       map[string]int `json:"errors"`
	Latency      Summary        `json:"latency"`
	DurationS    float64        `json:"duration_s"`
	RequestsPerS float64        `json:"requests_per_s"`
	OKPerS       float64        `json:"ok_per_s"`
}

// MarshalJSON writes the result with its derived rates.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{
		Requests: r.Requests, OK: r.OK, SuccessRate: r.SuccessRate(),
		Statuses: nonNil(r.Statuses), Errors: nonNil(r.Errors), Latency: r.Latency,
		DurationS: r.Duration.Seconds(), RequestsPerS: r.Throughput(), OKPerS: r.OKThroughput(),
	})
}

// UnmarshalJSON reads what MarshalJSON writes; the derived rates are
// recomputed from the counts, and Histogram stays nil.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Result{Requests: j.Requests, OK: j.OK, Statuses: j.Statuses, Errors: j.Errors, Latency: j.Latency,
		Duration: time.Duration(j.DurationS * float64(time.Second))}
	return nil
}

func nonNil[K comparable](m map[K]int) map[K]int {
	if m == nil {
		return map[K]int{}
	}
	return m
}

// SuccessRate is OK / Requests, or zero when nothing was sent.
func (r Result) SuccessRate() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.OK) / float64(r.Requests)
}

// Throughput is finished requests per second of Duration.
func (r Result) Throughput() float64 { return perSecond(r.Requests, r.Duration) }

// OKThroughput is 2xx responses per second of Duration.
func (r Result) OKThroughput() float64 { return perSecond(r.OK, r.Duration) }

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Merge combines results measured side by side (several victims in the same
// phase): counts add up, histograms merge and Duration is the longest.
func Merge(rs ...Result) Result {
	out := Result{Statuses: map[int]int{}, Errors: map[string]int{}, Histogram: NewHistogram()}
	for _, r := range rs {
		out.Requests += r.Requests
		out.OK += r.OK
		addCounts(out.Statuses, r.Statuses)
		addCounts(out.Errors, r.Errors)
		out.Histogram.Merge(r.Histogram)
		out.Duration = max(out.Duration, r.Duration)
	}
	out.Latency = out.Histogram.Summary()
	return out
}

func addCounts[K comparable](dst, src map[K]int) {
	for k, n := range src {
		dst[k] += n
	}
}

// recorder collects the outcome of each request of one generator; it is safe
// for concurrent use.
type recorder struct {
	hist     *Histogram
	mu       sync.Mutex
	requests int
	ok       int
	statuses map[int]int
	errors   map[string]int
}

func newRecorder() *recorder {
	return &recorder{hist: NewHistogram(), statuses: map[int]int{}, errors: map[string]int{}}
}

// record adds one finished request: its status when it got a response,
// else the class of err.
func (r *recorder) record(latency time.Duration, status int, err error) {
	r.hist.Record(latency)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if err != nil {
		r.errors[ClassifyError(err)]++
		return
	}
	r.statuses[status]++
	if status >= 200 && status < 300 {
		r.ok++
	}
}

func (r *recorder) result(d time.Duration) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Result{
		Requests: r.requests, OK: r.ok,
		Statuses: maps.Clone(r.statuses), Errors: maps.Clone(r.errors),
		Latency: r.hist.Summary(), Duration: d, Histogram: r.hist,
	}
}
