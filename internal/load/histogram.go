package load

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: latencies are recorded in microseconds from 1 µs to 60 s
// with three significant digits; values outside are clamped to the range.
const (
	histogramMin    = 1
	histogramMax    = int64(60 * time.Second / time.Microsecond)
	histogramDigits = 3
)

// Histogram is an HDR latency histogram from 1 µs to 60 s with three
// significant digits (a recorded value is off by at most 0.1%). Latencies
// below 1 µs count as 1 µs and above 60 s as 60 s. The zero value is not
// usable; make one with NewHistogram. A Histogram is safe for concurrent use.
type Histogram struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// NewHistogram returns an empty Histogram.
func NewHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(histogramMin, histogramMax, histogramDigits)}
}

// Record adds one latency. It does not allocate.
func (h *Histogram) Record(d time.Duration) {
	us := min(max(d.Microseconds(), histogramMin), histogramMax)
	h.mu.Lock()
	// The value is clamped into the histogram's range, where RecordValue
	// cannot fail.
	_ = h.h.RecordValue(us)
	h.mu.Unlock()
}

// Merge adds every latency recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o == h {
		return
	}
	o.mu.Lock()
	snapshot := o.h.Export()
	o.mu.Unlock()
	from := hdrhistogram.Import(snapshot)
	h.mu.Lock()
	h.h.Merge(from)
	h.mu.Unlock()
}

// Count returns how many latencies were recorded.
func (h *Histogram) Count() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.h.TotalCount()
}

// Quantile returns the latency at quantile q (0 < q ≤ 1), or zero when the
// histogram is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.h.TotalCount() == 0 {
		return 0
	}
	return micros(h.h.ValueAtQuantile(q * 100))
}

// Summary returns the count, p50, p90, p99 and maximum.
func (h *Histogram) Summary() Summary {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.h.TotalCount()
	if n == 0 {
		return Summary{}
	}
	return Summary{
		Count: n,
		P50:   micros(h.h.ValueAtQuantile(50)),
		P90:   micros(h.h.ValueAtQuantile(90)),
		P99:   micros(h.h.ValueAtQuantile(99)),
		Max:   micros(h.h.Max()),
	}
}

func micros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }
