package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/registrar-dev/registrar/internal/adminapi"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/fetch"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/interact"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

// Server is one Registrar node's HTTP side.
type Server struct {
	env     *Env
	log     *slog.Logger
	handler http.Handler
	// metrics serves /metrics, only on its own listener (ServeMetrics).
	metrics http.Handler
	// fetcher fetches every outside URL a client or the configuration
	// names, for any service that needs one.
	fetcher *fetch.Fetcher
}

// New builds the routes and services over env.
func New(env *Env, log *slog.Logger) (*Server, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registerStoreActivity(reg, env.Store)
	workspaces := newWorkspaceCache(env.Store, 5*time.Second)
	fetcher := fetch.New(fetch.Config{AllowPrivateNetworks: env.Config.Fetch.AllowPrivateNetworks, Metrics: fetch.NewMetrics(reg)})
	svc := &oauth.Service{
		Store:   env.Store,
		Keys:    env.Keys,
		Hasher:  env.Hasher,
		BaseURL: env.Config.BaseURL,
		Metrics: oauth.NewMetrics(reg),
		Secrets: env.SecretSealer,
		Fetcher: fetcher,
		Flow:    &oauth.Flow{Store: env.Store, Pairwise: env.Pairwise},

		PushedRequests: env.PushedSealer,
	}
	if env.Certificates != nil {
		svc.ClientCAs = env.Certificates
	}
	flow, err := newFlow(env, svc, workspaces.Lookup)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	dcr := &registration.Service{
		Store: env.Store, Tokens: registrationTokens{svc}, Hasher: env.Hasher, BaseURL: env.Config.BaseURL,
		Metrics: registration.NewMetrics(reg),
		Limits:  registration.NewLimits(env.Config.RegistrationRateLimit.PerAddress, env.Config.RegistrationRateLimit.PerToken, env.Config.Audit.DenialsPerMinute),
		Replays: env.ReplaySealer,
		Secrets: env.SecretSealer,
		Fetcher: fetcher,
		// Transport certificates are checked as tls_client_auth's are.
		Certificates: registrationCertificates{svc},
	}
	placeRegistration(env.Config, svc, dcr)
	dcrHandler := &registration.Handler{Service: dcr, Workspaces: workspaces.Lookup}
	if err := checkEnvAdminToken(); err != nil {
		return nil, err
	}
	adminFailures := adminapi.NewThrottle(adminTokenFailures, time.Second)
	adminAPI := &adminapi.Handler{Service: env.Admin(), Failures: adminFailures}
	routeRoles(mux, env.Config, &oauth.Handler{Service: svc, Workspaces: workspaces.Lookup}, flow, dcrHandler, adminAPI)
	if env.Config.HasRole(config.RoleAdmin) {
		pages, err := newConsole(env, adminFailures)
		if err != nil {
			return nil, err
		}
		pages.Routes(mux)
	}
	mux.HandleFunc("GET /healthz", handleHealth)
	mux.HandleFunc("GET /readyz", readiness(env.Store))
	mux.HandleFunc("/", handleNotFoundAt(env))
	// In front of the mux, whose answer to an unclean path is a redirect.
	root := httpapi.RejectUncleanPaths(mux, uncleanPath(dcrHandler, env.Config.HasRole(config.RoleRegistration)))
	// Deadline outside Instrument: the request Instrument hands the mux is
	// the one whose route pattern it records.
	instrumented := httpapi.Instrument(root, log, httpapi.NewMetrics(reg), env.Config.LogAccess)
	handler := httpapi.ClientAddress(httpapi.Deadline(instrumented, RequestBudget), env.Config.Proxies())
	// Outside ClientAddress: whether the header is believed depends on
	// the peer, not on the caller the proxy names.
	handler = httpapi.ForwardedClientCertificate(httpapi.CarryClientCertificates(handler), env.Config.ClientCertHeader, env.Config.Proxies())
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return &Server{env: env, log: log, handler: handler, metrics: metrics, fetcher: fetcher}, nil
}

// Time limits, which must keep this order: a group-commit batch
// (sqlstore.BatchBudget) ends within the budget of the requests waiting on
// it; a request's body arrives within ReadTimeout, the client's time, and
// only then does its budget start, so a request in flight at SIGTERM, even
// one whose body is still arriving or that is stuck on a database that does
// not answer (503), ends within the shutdown drain; its answer is written
// within WriteTimeout, which counts from the headers, so it covers the body
// and the budget; closing the store then waits for one batch at most.
const (
	// RequestBudget bounds a request's work (httpapi.Deadline).
	RequestBudget = 10 * time.Second
	// ReadTimeout bounds reading a request, body included: 64 KiB, the
	// largest body taken, in 10 s is 6.4 KB/s.
	ReadTimeout = 10 * time.Second
	// WriteTimeout bounds a request from its headers to its answer.
	WriteTimeout = ReadTimeout + RequestBudget + 5*time.Second
	// DrainLimit bounds how long SIGTERM waits for requests in flight,
	// under the 30 s a container platform gives by default before SIGKILL.
	DrainLimit = ReadTimeout + RequestBudget + 2*time.Second
	// StoreCloseLimit bounds the wait for the store on the way out.
	StoreCloseLimit = sqlstore.BatchBudget + time.Second
)

// Handler returns the node's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on ln until ctx ends, then stops accepting, lets in-flight
// requests finish (up to drain) and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	srv := &http.Server{
		Handler:        s.handler,
		ReadTimeout:    ReadTimeout,
		WriteTimeout:   WriteTimeout,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 32 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go s.collectExpiredTokens(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down, draining in-flight requests")
	began := time.Now()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("stopped", "drain", time.Since(began).Round(time.Millisecond))
	return nil
}

// ServeMetrics answers GET /metrics, and nothing else, on ln until ctx
// ends. The public listener does not: the counters name every workspace
// and route, which is not for whoever reaches the issuer.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics)
	srv := &http.Server{
		Handler:      mux,
		ReadTimeout:  ReadTimeout,
		WriteTimeout: WriteTimeout,
		ErrorLog:     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// A scrape cut short at exit costs one sample: no drain.
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// collectExpiredTokens deletes, every ten minutes, records that can no
// longer matter or that retention settings let go (see collect).
func (s *Server) collectExpiredTokens(ctx context.Context) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.collect(ctx, clock.Now().UTC())
		}
	}
}

// collect runs one round of collection as at now. Every node may run it:
// each delete is idempotent.
func (s *Server) collect(ctx context.Context, now time.Time) {
	n, err := s.env.Store.DeleteExpiredTokens(ctx, now)
	if err != nil {
		s.log.Warn("collecting expired tokens", "err", err)
	} else if n > 0 {
		s.log.Info("collected expired tokens", "count", n)
	}
	// Unknown usernames and addresses would otherwise leave
	// failure rows behind forever.
	if _, err := s.env.Store.DeleteStaleLoginState(ctx, now.Add(-interact.LoginStateRetention)); err != nil {
		s.log.Warn("collecting stale login throttle state", "err", err)
	}
	if _, err := s.env.Store.DeleteStaleAccountLocks(ctx, now.Add(-interact.AccountLockRetention)); err != nil {
		s.log.Warn("collecting stale account lock counts", "err", err)
	}
	if retain := s.env.Config.Audit.Retain.Duration(); retain > 0 {
		if n, err := s.env.Store.DeleteAuditEventsBefore(ctx, now.Add(-retain)); err != nil {
			s.log.Warn("pruning audit events", "err", err)
		} else if n > 0 {
			s.log.Info("pruned audit events past audit.retain", "count", n)
		}
	}
	s.expireUnusedClients(ctx, now)
}

// expireUnusedClients deletes the dynamically registered clients that
// never got a token within their workspace's registration.unused_client_ttl.
func (s *Server) expireUnusedClients(ctx context.Context, now time.Time) {
	workspaces, err := s.env.Store.ListWorkspaces(ctx)
	if err != nil {
		s.log.Warn("expiring unused clients", "err", err)
		return
	}
	for _, ws := range workspaces {
		ttl := ws.Settings.Registration.UnusedClientTTL.Duration()
		if ttl <= 0 {
			continue
		}
		n, err := s.env.Store.DeleteUnusedClients(ctx, ws.Name, now.Add(-ttl))
		if err != nil {
			s.log.Warn("expiring unused clients", "workspace", ws.Name, "err", err)
		} else if n > 0 {
			s.log.Info("deleted clients never issued a token", "workspace", ws.Name, "count", n)
		}
	}
}

func handleHealth(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness answers 200 only when the database answers and its disk took
// the last writes (store.Store.Ping), so a load balancer takes a node out
// while its database is unreachable or full.
func readiness(st store.Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(ctx); err != nil {
			httpapi.WriteError(w, r, fmt.Errorf("readiness: %w: %w", store.ErrUnavailable, err))
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func handleNotFound(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteError(w, r, errNoSuchEndpoint())
}

// handleNotFoundAt answers an unknown path. Where a person trying the
// server first looks (the root, and discovery without a workspace), the
// 404 names the workspaces' issuers, which is where everything is.
func handleNotFoundAt(env *Env) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !rootGuesses[r.URL.Path] {
			handleNotFound(w, r)
			return
		}
		list, err := env.Store.ListWorkspaces(r.Context())
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		var issuers []string
		for _, ws := range list[:min(len(list), maxIssuersNamed)] {
			issuers = append(issuers, env.Config.BaseURL+"/"+ws.Name)
		}
		if more := len(list) - len(issuers); more > 0 {
			issuers = append(issuers, fmt.Sprintf("and %d more", more))
		}
		httpapi.WriteError(w, r, oautherr.New(oautherr.NotFound, "nothing is served at the root: each workspace is an issuer, "+
			"with its discovery document at {issuer}/.well-known/openid-configuration; the issuers here are %s", strings.Join(issuers, ", ")))
	}
}

// rootGuesses are the paths a person tries before knowing that issuers
// are workspaces.
var rootGuesses = map[string]bool{
	"/": true, "/.well-known/openid-configuration": true, "/.well-known/oauth-authorization-server": true,
}

// maxIssuersNamed bounds the root 404 of a server with many workspaces.
const maxIssuersNamed = 10

func errNoSuchEndpoint() error { return oautherr.New(oautherr.NotFound, "no such endpoint") }

// uncleanPath answers a path with dot segments or doubled slashes as the
// unknown URL it is: the 404 of any unknown path, except where RFC 7592
// client URLs live, whose every unknown client id is refused, audited, as
// the registration handler refuses it, whatever characters it holds, on a
// node serving registration.
func uncleanPath(dcr *registration.Handler, served bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if served && registration.IsManagementPath(r.URL.EscapedPath()) {
			dcr.HandleUnclean(w, r)
			return
		}
		handleNotFound(w, r)
	}
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// NewLogger builds the node's logger on w (stderr): text or JSON.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// adminTokenFailures is how many wrong admin tokens an address may
// present at once before it is slowed to one a second.
const adminTokenFailures = 10
