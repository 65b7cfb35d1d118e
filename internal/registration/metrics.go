package registration

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics count registration decisions.
type Metrics struct {
	Decisions *prometheus.CounterVec
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	opts := prometheus.CounterOpts{Name: "registrar_registration_requests_total", Help: "Dynamic client registration requests by workspace, action and outcome."}
	return &Metrics{Decisions: promauto.With(reg).NewCounterVec(opts, []string{"workspace", "action", "outcome"})}
}
