package registration

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics count registration decisions.
type Metrics struct {
	Decisions *prometheus.CounterVec
	// Unaudited counts refusals not written to the audit trail one by one
	// (see Limits).
	Unaudited *prometheus.CounterVec
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	opts := prometheus.CounterOpts{Name: "registrar_registration_requests_total", Help: "Dynamic client registration requests by workspace, action and outcome."}
	unaudited := prometheus.CounterOpts{Name: "registrar_registration_denials_unaudited_total", Help: "Refused registration requests counted but not audited one by one, by workspace."}
	return &Metrics{
		Decisions: promauto.With(reg).NewCounterVec(opts, []string{"workspace", "action", "outcome"}),
		Unaudited: promauto.With(reg).NewCounterVec(unaudited, []string{"workspace"}),
	}
}
