package load

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestHistogramSummary(t *testing.T) {
	h := NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	got := h.Summary()
	want := Summary{Count: 1000, P50: 500 * time.Millisecond, P90: 900 * time.Millisecond, P99: 990 * time.Millisecond, Max: time.Second}
	for _, f := range []struct {
		name      string
		got, want time.Duration
	}{{"p50", got.P50, want.P50}, {"p90", got.P90, want.P90}, {"p99", got.P99, want.P99}, {"max", got.Max, want.Max}} {
		// Three significant digits: within 0.1% of the value.
		if diff := f.got - f.want; diff < 0 || diff > f.want/1000 {
			t.Errorf("%s = %v, want %v (+0.1%%)", f.name, f.got, f.want)
		}
	}
	if got.Count != want.Count {
		t.Errorf("count = %d, want %d", got.Count, want.Count)
	}
}

func TestHistogramClampsAndMerges(t *testing.T) {
	a, b := NewHistogram(), NewHistogram()
	a.Record(0)
	a.Record(-time.Second)
	b.Record(time.Hour)
	a.Merge(b)
	a.Merge(a)
	a.Merge(nil)
	s := a.Summary()
	if s.Count != 3 || a.Quantile(0.5) != time.Microsecond || s.Max < 60*time.Second || s.Max > 60060*time.Millisecond {
		t.Errorf("summary %+v, p50 %v; want 3 values, p50 1µs, max 60s", s, a.Quantile(0.5))
	}
	if empty := NewHistogram().Summary(); empty != (Summary{}) {
		t.Errorf("empty summary = %+v, want zero", empty)
	}
}

func TestResultJSON(t *testing.T) {
	r := Result{Requests: 4, OK: 3, Statuses: map[int]int{200: 3, 503: 1}, Errors: nil,
		Latency:  Summary{Count: 4, P50: 1500 * time.Microsecond, P90: 2 * time.Millisecond, P99: 3 * time.Millisecond, Max: 4 * time.Millisecond},
		Duration: 2 * time.Second}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"requests":4,"ok":3,"success_rate":0.75,"statuses":{"200":3,"503":1},"errors":{},` +
		`"latency":{"count":4,"p50_ms":1.5,"p90_ms":2,"p99_ms":3,"max_ms":4},"duration_s":2,"requests_per_s":2,"ok_per_s":1.5}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Requests != 4 || back.OK != 3 || back.Latency != r.Latency || back.Duration != r.Duration || back.Statuses[503] != 1 {
		t.Errorf("round trip = %+v, want %+v", back, r)
	}
}

func TestMerge(t *testing.T) {
	rec1, rec2 := newRecorder(), newRecorder()
	rec1.record(time.Millisecond, 200, nil)
	rec1.record(3*time.Millisecond, 503, nil)
	rec2.record(2*time.Millisecond, 200, nil)
	rec2.record(time.Second, 0, errTest)
	m := Merge(rec1.result(time.Second), rec2.result(2*time.Second))
	if m.Requests != 4 || m.OK != 2 || m.Statuses[200] != 2 || m.Statuses[503] != 1 || m.Errors[ErrClassOther] != 1 ||
		m.Duration != 2*time.Second || m.Latency.Count != 4 || m.Latency.Max < time.Second {
		t.Errorf("merged = %+v", m)
	}
}

var errTest = errors.New("test error")

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i%100_000) * time.Microsecond)
	}
}

func BenchmarkHistogramRecordParallel(b *testing.B) {
	h := NewHistogram()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			h.Record(time.Duration(i%100_000) * time.Microsecond)
		}
	})
}

func BenchmarkRecorderRecord(b *testing.B) {
	r := newRecorder()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.record(time.Duration(i%100_000)*time.Microsecond, 200, nil)
	}
}
