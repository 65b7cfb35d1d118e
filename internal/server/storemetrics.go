package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-dev/registrar/internal/store"
)

// registerStoreActivity exports the store's statement and commit counts,
// where the store keeps them: `registrar bench` divides them by the
// requests of a workload to print its round trips per request.
func registerStoreActivity(reg prometheus.Registerer, st store.Store) {
	counting, ok := st.(interface{ Activity() store.Activity })
	if !ok {
		return
	}
	statements := func(kind string, count func(store.Activity) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "registrar_store_statements_total",
			Help:        "Statements sent to the database, by kind (read or write).",
			ConstLabels: prometheus.Labels{"kind": kind},
		}, func() float64 { return float64(count(counting.Activity())) })
	}
	reg.MustRegister(
		statements("read", func(a store.Activity) uint64 { return a.Reads }),
		statements("write", func(a store.Activity) uint64 { return a.Writes }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "registrar_store_commits_total",
			Help: "Commits of the database: transactions, group commits and writes outside a transaction.",
		}, func() float64 { return float64(counting.Activity().Commits) }),
	)
}
