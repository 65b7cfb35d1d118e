package oauth

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics are the protocol-level Prometheus collectors.
type Metrics struct {
	TokensIssued *prometheus.CounterVec
}

// NewMetrics registers the collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	opts := prometheus.CounterOpts{Name: "registrar_tokens_issued_total", Help: "Tokens issued by workspace, grant type, kind and format."}
	return &Metrics{TokensIssued: promauto.With(reg).NewCounterVec(opts, []string{"workspace", "grant_type", "kind", "format"})}
}
