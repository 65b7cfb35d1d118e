package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/server"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/backend"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "registrar",
		Short:         "Registrar: an OAuth 2.0 / OpenID Connect server built around Dynamic Client Registration",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(explainFlagError)
	pf := root.PersistentFlags()
	pf.String("config", "", "YAML configuration file (env REGISTRAR_CONFIG)")
	pf.String("db", "", "store: sqlite:PATH or postgres://… (env REGISTRAR_DB; default sqlite:registrar.db)")
	pf.String("master-key-file", "", "master key file, created by the first serve or by init (env REGISTRAR_MASTER_KEY_FILE; default registrar.key); REGISTRAR_MASTER_KEY overrides it")
	pf.String("log-level", "", "debug, info, warn or error (env REGISTRAR_LOG_LEVEL)")
	root.AddCommand(newInitCmd(), newServeCmd(), newClientCmd(), newKeysCmd(), newIATCmd(), newAuditCmd(), newUserCmd(), newMigrateCmd(), newBenchCmd(), newDevCmd(), newPolicyCmd(), newAdminCmd())
	root.AddCommand(newVersionCmd(), newHealthcheckCmd(), newBackupCmd())
	setVersion(root)
	rejectUnknownSubcommands(root)
	return root
}

// loadConfig merges defaults, YAML, env and the flags the user set.
func loadConfig(cmd *cobra.Command) (config.Config, error) {
	src := config.Source{}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		src[flagKey(f.Name)] = f.Value.String()
	})
	return config.Load(src, os.Getenv)
}

// cliLogger is the logger of a command other than serve: the configured
// level and format, on stderr.
func cliLogger(cmd *cobra.Command, cfg config.Config) *slog.Logger {
	return server.NewLogger(cmd.ErrOrStderr(), cfg.LogLevel, cfg.LogFormat)
}

// flagKey maps a flag name to its config key (master-key-file → master_key_file).
func flagKey(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c == '-' {
			b[i] = '_'
		}
	}
	return string(b)
}

// Only serve and init create a store or a master key. Every other command
// works on the server's: run in the wrong folder, or without the server's
// --db or key, it would otherwise make a new empty store under a new key
// and print credentials no server will ever accept.

// requireStore refuses a SQLite store whose file is not there, naming the
// file looked for and how to point at the right one. A PostgreSQL
// database is made by its administrator; opening it only migrates it.
func requireStore(cfg config.Config) error {
	path, _ := backend.SQLitePath(cfg.DB)
	if path == "" {
		return nil // backend.Open explains an empty path
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fail("no store at %s (looked for %s): %s", store.RedactDSN(cfg.DB), config.AbsPath(path), noStoreHint)
	}
	return nil
}

// requireMasterKey refuses a master key file that is not there, unless
// REGISTRAR_MASTER_KEY gives the key.
func requireMasterKey(cfg config.Config) error {
	if cfg.MasterKey != "" {
		return nil
	}
	if _, err := os.Stat(cfg.MasterKeyFile); errors.Is(err, fs.ErrNotExist) {
		return fail("master key file %s does not exist (looked for %s): %s", cfg.MasterKeyFile, config.AbsPath(cfg.MasterKeyFile), noKeyHint)
	}
	return nil
}

// noStoreHint ends the refusal of a missing store.
const noStoreHint = "run the command in the server's folder, or point it at the server's store with " +
	"--db (REGISTRAR_DB) or --config; to make a new one, run `registrar init` or `registrar serve`; nothing was created"

// noKeyHint ends the refusal of a missing master key file.
const noKeyHint = "point the command at the server's key with --master-key-file (REGISTRAR_MASTER_KEY_FILE) " +
	"or REGISTRAR_MASTER_KEY; nothing was created"

// openExisting loads the configuration and opens the server's store and
// master key, refusing (having created nothing) when either is missing.
func openExisting(ctx context.Context, cmd *cobra.Command) (*server.Env, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(requireStore(cfg), requireMasterKey(cfg)); err != nil {
		return nil, err
	}
	return server.OpenExistingEnv(ctx, cfg, cliLogger(cmd, cfg))
}

// openReadOnly opens the store for a command that only reads: it loads no
// master key. A SQLite file that does not exist is not opened, as opening
// would create it: st is nil then, and the caller decides whether an
// absent store is an error (a listing) or the defaults (policy test).
func openReadOnly(ctx context.Context, cmd *cobra.Command) (cfg config.Config, st store.Store, err error) {
	if cfg, err = loadConfig(cmd); err != nil {
		return cfg, nil, err
	}
	if requireStore(cfg) != nil {
		return cfg, nil, nil
	}
	st, err = backend.Open(ctx, cfg.DB, cliLogger(cmd, cfg))
	return cfg, st, err
}

// readWorkspace runs read on wsName through openReadOnly, so a command
// that only reads (the listings, `client get`) creates nothing and needs
// no master key. A missing store is refused (an empty list from the wrong
// folder would pass for an empty store); a workspace the store lacks reads
// as the zero T (an empty list, no record), provided it is one the next
// `serve` creates.
func readWorkspace[T any](cmd *cobra.Command, wsName string, read func(ctx context.Context, svc *admin.Service) (T, error)) (T, error) {
	ctx := cmd.Context()
	var none T
	cfg, st, err := openReadOnly(ctx, cmd)
	if err != nil {
		return none, err
	}
	if st == nil {
		return none, requireStore(cfg)
	}
	defer st.Close()
	if _, err := st.WorkspaceByName(ctx, wsName); errors.Is(err, store.ErrNotFound) {
		return none, configuredWorkspace(cfg, wsName)
	} else if err != nil {
		return none, err
	}
	return read(ctx, &admin.Service{Store: st})
}

// configuredWorkspace accepts a workspace the store does not hold yet but
// the next `serve` creates: the default one or one the YAML declares.
func configuredWorkspace(cfg config.Config, name string) error {
	if _, declared := cfg.WorkspaceSettings(name); declared || name == workspace.DefaultName {
		return nil
	}
	return fail("workspace %q does not exist; declare it in the YAML configuration", name)
}

func fail(format string, args ...any) error { return fmt.Errorf(format, args...) }

// onStore wraps a subcommand that adds to the server's store (a client,
// an initial access token, a user): it opens the server's store and key,
// creates the configured workspaces the store lacks (leaving the settings
// of the others to serve: server.KeepSettings), checks that the key opens
// the workspace, resolves --workspace and closes the store afterwards.
func onStore(fn func(cmd *cobra.Command, args []string, env *server.Env, ws string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		env, err := openExisting(ctx, cmd)
		if err != nil {
			return err
		}
		defer env.Close()
		if _, err := env.Provision(ctx, server.KeepSettings); err != nil {
			return err
		}
		ws, _ := cmd.Flags().GetString("workspace")
		if err := env.CheckMasterKey(ctx, ws); err != nil {
			return err
		}
		return fn(cmd, args, env, ws)
	}
}

// wrongStoreHint ends the refusals of onExistingWorkspace: a store that
// lacks the workspace is most often not the server's store at all.
const wrongStoreHint = "is this the server's store? Run the command in the server's folder, " +
	"or give it the server's --db (REGISTRAR_DB), --config and --master-key-file; nothing was changed"

// onExistingWorkspace wraps a subcommand that changes what a workspace
// already holds (rotates its keys, deletes or revokes a record, sets a
// password). Unlike onStore it provisions nothing: on a store that lacks
// the workspace, provisioning would create it with fresh keys, and the
// command would act on those. It refuses instead, having created nothing.
func onExistingWorkspace(fn func(cmd *cobra.Command, args []string, env *server.Env, ws string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		ws, _ := cmd.Flags().GetString("workspace")
		env, err := openExisting(ctx, cmd)
		if err != nil {
			return err
		}
		defer env.Close()
		cfg := env.Config
		if _, err := env.Store.WorkspaceByName(ctx, ws); errors.Is(err, store.ErrNotFound) {
			// A name neither default nor declared reads as it does in the
			// listings; a name the server would have made means this is
			// not the server's store.
			if err := configuredWorkspace(cfg, ws); err != nil {
				return err
			}
			return fail("workspace %q is not in the store %s: %s", ws, store.RedactDSN(cfg.DB), wrongStoreHint)
		} else if err != nil {
			return err
		}
		if err := env.CheckMasterKey(ctx, ws); err != nil {
			return err
		}
		return fn(cmd, args, env, ws)
	}
}

// jsonFlag reports whether --json was given.
func jsonFlag(cmd *cobra.Command) bool {
	v, _ := cmd.Flags().GetBool("json")
	return v
}

// nonNil makes a list that is absent (no store yet) print as [] in JSON,
// as an empty one does.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// operatorFlags are the flags every operator command takes: which
// workspace it acts on, and whether it prints JSON.
func operatorFlags(f *pflag.FlagSet) {
	f.String("workspace", workspace.DefaultName, "workspace")
	f.Bool("json", false, "print JSON")
}
