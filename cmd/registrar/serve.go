package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/certfile"
	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/server"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/backend"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the authorization server",
		Args:  cobra.NoArgs,
		RunE:  runServe,
	}
	cmd.Flags().String("listen", "", "address to listen on (env REGISTRAR_LISTEN; default 127.0.0.1:8080)")
	cmd.Flags().String("base-url", "", "issuer base URL; https unless loopback (env REGISTRAR_BASE_URL; default http://{listen})")
	cmd.Flags().String("metrics-listen", config.DefaultMetricsListen, "address of a separate listener for /metrics, or off (env REGISTRAR_METRICS_LISTEN)")
	cmd.Flags().String("tls-cert", "", "PEM file of the listener's certificate chain, to serve HTTPS; reread on change (env REGISTRAR_TLS_CERT)")
	cmd.Flags().String("tls-key", "", "PEM file of the listener's private key (env REGISTRAR_TLS_KEY)")
	cmd.Flags().String("client-ca", "", "PEM file of the CAs tls_client_auth certificates must chain to; reread on change (env REGISTRAR_CLIENT_CA)")
	cmd.Flags().String("client-cert-header", "", "header in which a trusted TLS-terminating proxy forwards the caller's certificate, URL-escaped PEM (env REGISTRAR_CLIENT_CERT_HEADER)")
	cmd.Flags().String("roles", "", "comma-separated roles this node serves: token, registration, admin (env REGISTRAR_ROLES; default all)")
	cmd.Flags().String("registration-endpoint", "", "base URL of the nodes serving the registration role, named in discovery (env REGISTRAR_REGISTRATION_ENDPOINT)")
	cmd.Flags().String("trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (env REGISTRAR_TRUSTED_PROXIES)")
	return cmd
}

// defaultGCPercent trades memory for CPU: measured with wrk on the 2-core
// machine, client_credentials JWTs went from ~7,900/s (GOGC 100, 47 MiB
// peak RSS) to ~9,300/s (200, 72 MiB); 400 added little for 119 MiB.
const defaultGCPercent = 200

// defaultMemoryLimit is a soft limit that makes the collector work harder
// only near it. Without it a burst of logins (argon2id takes 64 MiB a
// check, by design) let the heap grow to three times those buffers under
// GOGC 200: 557 MiB peak RSS in `registrar bench`. It is 128 MiB for
// everything else plus the buffers of the checks that may run at once
// (256 MiB on 2 cores): a fixed limit below those buffers would keep the
// collector running through every login burst on a larger machine.
var defaultMemoryLimit = 128<<20 + int64(user.MaxConcurrentChecks)*int64(user.DefaultParams.Memory)<<10

func runServe(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	log := server.NewLogger(cmd.ErrOrStderr(), cfg.LogLevel, cfg.LogFormat)
	// Code that logs without a request's logger falls back to the default:
	// it must honour log_level and log_format too.
	slog.SetDefault(log)
	// Read before anything else: a bad certificate fails the start at once.
	certs, err := certfile.Open(cfg.TLSCert, cfg.TLSKey, cfg.ClientCA, log)
	if err != nil {
		return err
	}
	// Bound first: a port in use fails before the store is touched, and
	// with port 0 the issuer names the port the listener really got.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	if tc := certs.ServerTLS(); tc != nil {
		ln = tls.NewListener(ln, tc)
	}
	cfg.Bound(ln.Addr().String())
	metricsLn, err := listenMetrics(cfg.MetricsListen, log)
	if err != nil {
		return err
	}
	if metricsLn != nil {
		defer metricsLn.Close()
	}
	// A database that hangs rather than refuses would otherwise leave the
	// start silent for as long as it hangs.
	waiting := time.AfterFunc(5*time.Second, func() {
		log.Warn("still waiting for the database", "db", store.RedactDSN(cfg.DB))
	})
	defer waiting.Stop() // on the error paths below
	// A stop asked for while the start waits on the database is a stop,
	// not a failed start: exit 0, as after serving.
	stoppedEarly := func(err error) error {
		if ctx.Err() != nil {
			log.Info("stopped before the store was ready", "cause", err)
			return nil
		}
		return err
	}
	env, err := openWhenReachable(ctx, cfg, log)
	if err != nil {
		return stoppedEarly(err)
	}
	defer closeWithin(env, log, server.StoreCloseLimit)
	env.Certificates = certs
	if env.MasterKeyCreated {
		log.Warn("created a new master key file; back it up: without it keys and secrets cannot be used", "path", cfg.MasterKeyFile)
	}
	if _, err := env.Provision(ctx, server.ApplySettings); err != nil {
		if env.MasterKeyCreated && errors.Is(err, masterkey.ErrSealed) {
			// The key file this start just made can open nothing in the
			// store; left behind, it would only hide the missing original.
			os.Remove(cfg.MasterKeyFile)
		}
		return stoppedEarly(err)
	}
	// The bootstrap claim and the client it allows go together: a stop
	// between them would spend the claim and lose the client for good, so
	// SIGTERM does not cut them short (the request budget still bounds a
	// database that hangs); a stop that came meanwhile ends Serve at once.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), server.RequestBudget)
	boot, err := env.Admin().Bootstrap(bctx)
	cancel()
	waiting.Stop() // opening, provisioning and the bootstrap all wait on the database
	if err != nil {
		return fmt.Errorf("bootstrap client: %w", err)
	}
	if boot != nil {
		printBootstrap(cmd.OutOrStdout(), cfg.BaseURL, *boot)
	}
	served, err := logWorkspaces(ctx, env, log)
	if err != nil {
		return stoppedEarly(err)
	}
	if cfg.Fetch.AllowPrivateNetworks {
		log.Warn("fetch.allow_private_networks is on: a URL a client registers (jwks_uri, sector_identifier_uri) may reach this host and its private networks")
	}
	if addr := os.Getenv("REGISTRAR_PPROF_LISTEN"); addr != "" {
		startPprof(log, addr)
	}
	log.Info("registrar listening", "addr", ln.Addr().String(), "issuer", cfg.BaseURL+"/"+workspace.DefaultName, "db", store.RedactDSN(cfg.DB), "roles", cfg.Roles)
	srv, err := server.New(env, log)
	if err != nil {
		return err
	}
	if metricsLn != nil {
		go func() {
			if err := srv.ServeMetrics(ctx, metricsLn); err != nil {
				log.Warn("metrics listener stopped", "err", err)
			}
		}()
		fmt.Fprintf(cmd.OutOrStdout(), "Metrics on http://%s/metrics\n", metricsLn.Addr())
	}
	// Said once the store is ready, right before serving: tests and scripts
	// started on port 0 learn the port here.
	fmt.Fprintf(cmd.OutOrStdout(), "Registrar listening on %s://%s (%s)\n", cfg.Scheme(), ln.Addr(), issuersNote(cfg.BaseURL, served))
	return srv.Serve(ctx, ln, server.DrainLimit)
}

// logWorkspaces says at start, one line each, which issuers this node
// serves and who may register clients with each: every workspace of the
// store, as other nodes or the CLI may have made some this file lacks.
// It returns their names.
func logWorkspaces(ctx context.Context, env *server.Env, log *slog.Logger) ([]string, error) {
	workspaces, err := env.Store.ListWorkspaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	names := make([]string, 0, len(workspaces))
	for _, ws := range workspaces {
		names = append(names, ws.Name)
		mode := ws.Settings.Registration.Mode
		if !ws.Settings.Registration.Enabled {
			mode = "disabled"
		}
		log.Info("workspace", "name", ws.Name, "issuer", env.Config.BaseURL+"/"+ws.Name, "registration", mode)
		if mode == workspace.ModeOpen {
			log.Warn("open dynamic client registration: anyone can register clients", "workspace", ws.Name)
		}
	}
	return names, nil
}

// maxIssuersShown bounds the issuers the listening line spells out; more
// are in the start's workspace log lines.
const maxIssuersShown = 5

// issuersNote names the issuers the listening line announces: the one of
// a single workspace, each of a few, or how many there are and their form.
func issuersNote(base string, names []string) string {
	switch {
	case len(names) == 0:
		return fmt.Sprintf("issuer %s/%s", base, workspace.DefaultName)
	case len(names) == 1:
		return fmt.Sprintf("issuer %s/%s", base, names[0])
	case len(names) > maxIssuersShown:
		return fmt.Sprintf("%d workspaces, issuers %s/{workspace}: each in the log's msg=workspace lines", len(names), base)
	}
	issuers := make([]string, len(names))
	for i, name := range names {
		issuers[i] = base + "/" + name
	}
	return "issuers " + strings.Join(issuers, ", ")
}

// listenMetrics binds the metrics listener, if one is set, as early as the
// public one: a port in use fails the start before the store is touched.
// The default address is the exception: another server on this host (a
// second node, a bench run) may hold it, and a start that set nothing
// should not fail for it, so that start serves no metrics and says so.
func listenMetrics(addr string, log *slog.Logger) (net.Listener, error) {
	if config.MetricsOff(addr) {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr == config.DefaultMetricsListen {
		log.Warn("no /metrics: the default metrics_listen address is taken; set metrics_listen (or off)", "addr", addr, "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("metrics_listen: %w", err)
	}
	return ln, nil
}

// openWhenReachable opens the store once its database answers. A server
// often starts before its database (a container platform starts both at
// once), and comes up when the database does, as it recovers from an
// outage while serving; a database that answers with a refusal (a wrong
// password) fails the start at once. The connection that found the
// database answering is the store's first: no other is made to ask.
func openWhenReachable(ctx context.Context, cfg config.Config, log *slog.Logger) (*server.Env, error) {
	delay := 500 * time.Millisecond
	for {
		env, err := server.OpenEnv(ctx, cfg, log)
		if !errors.Is(err, backend.ErrUnreachable) || ctx.Err() != nil {
			return env, err
		}
		log.Warn("database unreachable; trying again", "db", store.RedactDSN(cfg.DB), "retry_in", delay, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// printBootstrap shows the bootstrap client once, on stdout (never in the
// logs): it is the only place its secret ever appears.
func printBootstrap(w io.Writer, baseURL string, boot admin.CreatedClient) {
	fmt.Fprintf(w, `
================ Registrar bootstrap client (shown once) ================
  workspace:     %s
  client_id:     %s
  client_secret: %s
  grant_types:   client_credentials
  scope:         %s
  token URL:     %s/%s/oauth2/token
Store the secret now; it is kept only as a hash and cannot be shown again.
=========================================================================

`, boot.Client.Workspace, boot.Client.ID, boot.Secret, boot.Client.Metadata.Scope, baseURL, boot.Client.Workspace)
}

// closeWithin closes the store but waits no longer than limit: closing waits
// for queries in progress, and a database that stopped answering would
// otherwise keep a stopped server alive until it came back.
func closeWithin(env *server.Env, log *slog.Logger, limit time.Duration) {
	done := make(chan struct{})
	go func() {
		env.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		log.Warn("the store did not close in time; exiting without it", "waited", limit)
	}
}
