package proxy

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the proxy's Prometheus series. Labels come from bounded sets
// (rejection reasons, outcomes), never from identities.
type metrics struct {
	reg       *prometheus.Registry
	requests  [reasonCount]prometheus.Counter
	inflight  prometheus.Gauge
	upstream  prometheus.Histogram
	connsOpen prometheus.Gauge
	reloads   *prometheus.CounterVec
	admitWait prometheus.Histogram
}

func outcomeOf(r reason) string {
	switch r {
	case reasonNone:
		return "allowed"
	case reasonUpstreamError, reasonUpstreamTimeout:
		return "upstream_error"
	case reasonClientGone:
		return "client_gone"
	}
	return "rejected"
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	req := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mtlsguard_requests_total",
		Help: "Requests handled, by outcome (allowed, rejected, upstream_error, client_gone) and rejection reason.",
	}, []string{"outcome", "reason"})
	for i := range m.requests {
		m.requests[i] = req.WithLabelValues(outcomeOf(reason(i)), reasons[i].name)
	}
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mtlsguard_inflight_requests", Help: "Requests being handled now.",
	})
	m.upstream = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "mtlsguard_upstream_duration_seconds",
		Help:    "Time from sending a request upstream to its response headers.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m.connsOpen = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "mtlsguard_identity_connections", Help: "Open client connections counted against an identity's max_conns.",
	})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mtlsguard_tls_reloads_total", Help: "Reloads of the server certificate, client CA and CRL, by result.",
	}, []string{"result"})
	tracked := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mtlsguard_tracked_identities", Help: "Identities with rate-limiter state held in memory.",
	}, func() float64 {
		n := 0
		for _, l := range s.rates {
			n += l.Len()
		}
		return float64(n)
	})
	m.admitWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "mtlsguard_admission_wait_seconds",
		Help:    "Time admitted requests waited for upstream capacity.",
		Buckets: []float64{0, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	if s.admit != nil {
		m.reg.MustRegister(m.admitWait, newAdmitCollector(s.admit))
	}
	m.reg.MustRegister(req, m.inflight, m.upstream, m.connsOpen, m.reloads, tracked,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
