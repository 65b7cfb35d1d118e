package fetch

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics count fetches of outside URLs.
type Metrics struct {
	Fetches   *prometheus.CounterVec
	Failures  *prometheus.CounterVec
	CacheHits prometheus.Counter
}

// NewMetrics registers the collectors on reg, every reason at zero so a
// rate over one is defined before its first failure.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Fetches:   promauto.With(reg).NewCounterVec(prometheus.CounterOpts{Name: "registrar_fetch_requests_total", Help: "Fetches of outside URLs (jwks_uri, sector_identifier_uri…) by outcome (ok, failed)."}, []string{"outcome"}),
		Failures:  promauto.With(reg).NewCounterVec(prometheus.CounterOpts{Name: "registrar_fetch_failures_total", Help: "Failed fetches of outside URLs by reason."}, []string{"reason"}),
		CacheHits: promauto.With(reg).NewCounter(prometheus.CounterOpts{Name: "registrar_fetch_cache_hits_total", Help: "Outside documents served from the fetch cache."}),
	}
	for _, r := range reasons {
		m.Failures.WithLabelValues(r)
	}
	return m
}

func (m *Metrics) fetched(err error) {
	if m == nil {
		return
	}
	if err == nil {
		m.Fetches.WithLabelValues("ok").Inc()
		return
	}
	m.Fetches.WithLabelValues("failed").Inc()
	kind := reasonOther
	var fe *Error
	if errors.As(err, &fe) {
		kind = fe.kind
	}
	m.Failures.WithLabelValues(kind).Inc()
}

func (m *Metrics) cacheHit() {
	if m != nil {
		m.CacheHits.Inc()
	}
}
