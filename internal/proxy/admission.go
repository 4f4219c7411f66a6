package proxy

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mtlsguard/mtlsguard/internal/admit"
	"github.com/mtlsguard/mtlsguard/internal/config"
)

// newAdmission builds the fair-admission controller, or nil when
// upstream_capacity is off.
func newAdmission(c config.Capacity) (*admit.Controller, error) {
	if c.MaxInflight <= 0 && !c.Auto {
		return nil, nil
	}
	return admit.New(admit.Options{
		MaxInflight: c.MaxInflight, Auto: c.Auto, Min: c.Min, Max: c.Max,
		MaxQueue: c.MaxQueue, MaxWait: c.MaxQueueWait,
	})
}

// proxyAdmitted waits for the identity's fair share of the upstream's
// capacity, proxies the request and charges the identity the time the
// upstream spent on it.
func (s *Server) proxyAdmitted(w *recorder, r *http.Request, key string, weight int) {
	t, err := s.admit.Acquire(r.Context(), key, weight)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			w.reason = reasonClientGone
			return
		}
		detail := "the upstream is at capacity and this identity's queue is full; retry after the time in Retry-After"
		if errors.Is(err, admit.ErrWaitExceeded) {
			detail = "the upstream is at capacity and the request waited upstream_capacity.max_queue_wait; retry after the time in Retry-After"
		}
		w.reject(reasonCapacity, detail, s.admit.RetryAfter())
		return
	}
	w.queued = t.Waited()

	s.metrics.admitWait.Observe(w.queued.Seconds())
	start := time.Now()
	// Deferred: the reverse proxy aborts the handler with a panic when the
	// client goes away mid-response, and the slot must come back regardless.
	defer func() {
		t.Release(time.Since(start), w.reason == reasonNone && w.status < 500)
	}()
	s.rp.ServeHTTP(w, r)
}

// admitCollector exports the controller's state as Prometheus series.
type admitCollector struct {
	c                                       *admit.Controller
	inflight, limit, queued, active, admits *prometheus.Desc
	shed                                    *prometheus.Desc
}

func newAdmitCollector(c *admit.Controller) *admitCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("mtlsguard_admission_"+name, help, labels, nil)
	}
	return &admitCollector{
		c:        c,
		inflight: d("inflight", "Requests admitted to the upstream and not yet finished."),
		limit:    d("limit", "Current limit on requests at the upstream (adaptive when upstream_capacity.max_inflight is auto)."),
		queued:   d("queue_length", "Requests waiting for upstream capacity."),
		active:   d("active_identities", "Identities with requests waiting or at the upstream."),
		admits:   d("admitted_total", "Requests admitted to the upstream."),
		shed:     d("shed_total", "Requests shed instead of admitted, by reason.", "reason"),
	}
}

func (a *admitCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{a.inflight, a.limit, a.queued, a.active, a.admits, a.shed} {
		ch <- d
	}
}

func (a *admitCollector) Collect(ch chan<- prometheus.Metric) {
	st := a.c.Stats()
	ch <- prometheus.MustNewConstMetric(a.inflight, prometheus.GaugeValue, float64(st.InFlight))
	ch <- prometheus.MustNewConstMetric(a.limit, prometheus.GaugeValue, float64(st.Limit))
	ch <- prometheus.MustNewConstMetric(a.queued, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(a.active, prometheus.GaugeValue, float64(st.ActiveKeys))
	ch <- prometheus.MustNewConstMetric(a.admits, prometheus.CounterValue, float64(st.Admitted))
	ch <- prometheus.MustNewConstMetric(a.shed, prometheus.CounterValue, float64(st.Shed.QueueFull), "queue-full")
	ch <- prometheus.MustNewConstMetric(a.shed, prometheus.CounterValue, float64(st.Shed.WaitExceeded), "wait-exceeded")
	ch <- prometheus.MustNewConstMetric(a.shed, prometheus.CounterValue, float64(st.Shed.Canceled), "canceled")
}
