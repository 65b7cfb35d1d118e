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
	pf := root.PersistentFlags()
	pf.String("config", "", "YAML configuration file (env REGISTRAR_CONFIG)")
	pf.String("db", "", "store: sqlite:PATH or postgres://… (env REGISTRAR_DB; default sqlite:registrar.db)")
	pf.String("master-key-file", "", "master key file, created on first start (env REGISTRAR_MASTER_KEY_FILE; default registrar.key); REGISTRAR_MASTER_KEY overrides it")
	pf.String("log-level", "", "debug, info, warn or error (env REGISTRAR_LOG_LEVEL)")
	root.AddCommand(newServeCmd(), newClientCmd(), newKeysCmd(), newIATCmd(), newAuditCmd(), newUserCmd(), newMigrateCmd(), newBenchCmd(), newDevCmd(), newPolicyCmd())
	root.AddCommand(newVersionCmd(), newHealthcheckCmd(), newBackupCmd())
	setVersion(root)
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

// openEnv loads the configuration, opens the store and creates the
// configured workspaces it lacks, leaving the settings of the others to
// serve (server.KeepSettings): every operator command works on the store
// directly, with the same flags as serve. newStore tells that the SQLite
// file was not there before.
func openEnv(ctx context.Context, cmd *cobra.Command) (env *server.Env, newStore bool, err error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, false, err
	}
	newStore = sqliteFileMissing(cfg)
	if env, err = server.OpenEnv(ctx, cfg, cliLogger(cmd, cfg)); err != nil {
		return nil, false, err
	}
	if _, err := env.Provision(ctx, server.KeepSettings); err != nil {
		env.Close()
		return nil, false, err
	}
	return env, newStore, nil
}

// sqliteFileMissing reports whether cfg names a SQLite file that is not
// there yet, so that opening the store creates it.
func sqliteFileMissing(cfg config.Config) bool {
	path, _ := backend.SQLitePath(cfg.DB)
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// openReadOnly opens the store for a command that only reads. Unlike
// openEnv it provisions nothing and loads no master key: a listing must
// not create a workspace, signing keys or a master key file (a key file
// made by a listing run in the wrong folder would seal the keys made next
// under a stray master key). A SQLite file that does not exist is not
// opened, as opening would create it: st is nil then, an empty store.
func openReadOnly(ctx context.Context, cmd *cobra.Command) (cfg config.Config, st store.Store, err error) {
	if cfg, err = loadConfig(cmd); err != nil {
		return cfg, nil, err
	}
	// An empty path is left to backend.Open, which explains it.
	if sqliteFileMissing(cfg) {
		return cfg, nil, nil
	}
	st, err = backend.Open(ctx, cfg.DB, cliLogger(cmd, cfg))
	return cfg, st, err
}

// readWorkspace runs read on wsName through openReadOnly, so a command
// that only reads (the listings, `client get`) creates nothing: an absent
// store or workspace reads as the zero T (an empty list, no record),
// provided the workspace is one the next `serve` creates. Reads need no
// secrets, so read's admin service has only the store.
func readWorkspace[T any](cmd *cobra.Command, wsName string, read func(ctx context.Context, svc *admin.Service) (T, error)) (T, error) {
	ctx := cmd.Context()
	var none T
	cfg, st, err := openReadOnly(ctx, cmd)
	if err != nil {
		return none, err
	}
	if st == nil {
		// Said on stderr so that --json output stays clean: an empty list
		// from the wrong folder should not pass for an empty store.
		fmt.Fprintf(cmd.ErrOrStderr(), "no store at %s (nothing to list): %s\n", store.RedactDSN(cfg.DB), wrongFolderHint)
		return none, configuredWorkspace(cfg, wsName)
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

// onStore wraps a subcommand that works on the store: it opens the
// environment, resolves --workspace and closes the store afterwards.
func onStore(fn func(cmd *cobra.Command, args []string, env *server.Env, ws string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		env, newStore, err := openEnv(cmd.Context(), cmd)
		if err != nil {
			return err
		}
		defer env.Close()
		ws, _ := cmd.Flags().GetString("workspace")
		if err := fn(cmd, args, env, ws); err != nil {
			return err
		}
		tellWhatWasCreated(cmd, env, newStore)
		return nil
	}
}

// tellWhatWasCreated says on stderr (stdout may be --json) when a command
// made a new store or master key file: run in the wrong folder, it has
// just created a client no server will ever know, and should say so.
func tellWhatWasCreated(cmd *cobra.Command, env *server.Env, newStore bool) {
	w := cmd.ErrOrStderr()
	if newStore {
		fmt.Fprintf(w, "registrar: created a new store at %s\n", store.RedactDSN(env.Config.DB))
	}
	if env.MasterKeyCreated {
		fmt.Fprintf(w, "registrar: created a new master key file %s; back it up\n", env.Config.MasterKeyFile)
	}
	if newStore || env.MasterKeyCreated {
		fmt.Fprintf(w, "registrar: %s\n", newStoreHint)
	}
}

// newStoreHint follows the notice that a command created a store.
const newStoreHint = "if your server keeps its store elsewhere, what this command made is not in it: run it in " +
	"the server's folder, or give it the server's --db (REGISTRAR_DB), --config and --master-key-file"

// wrongStoreHint ends the refusals of onExistingWorkspace: a store that
// lacks the workspace is most often not the server's store at all.
const wrongStoreHint = wrongFolderHint + "; nothing was changed"

// wrongFolderHint says how to reach the server's store.
const wrongFolderHint = "is this the server's store? Run the command in the server's folder, " +
	"or give it the server's --db (REGISTRAR_DB), --config and --master-key-file"

// onExistingWorkspace wraps a subcommand that changes what a workspace
// already holds (rotates its keys, deletes or revokes a record, sets a
// password). Unlike onStore it provisions nothing: run in the wrong folder
// or on another --db, provisioning would create a store, a master key and
// the workspace with fresh keys, and the command would act on those. It
// refuses instead, having created nothing, when the store or the
// workspace is not there, or the master key file is not where it looks
// (keys rotated in under a new master key would be sealed under a key no
// server has).
func onExistingWorkspace(fn func(cmd *cobra.Command, args []string, env *server.Env, ws string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		ws, _ := cmd.Flags().GetString("workspace")
		cfg, st, err := openReadOnly(ctx, cmd)
		if err != nil {
			return err
		}
		found := false
		if st != nil {
			_, err = st.WorkspaceByName(ctx, ws)
			st.Close()
			if found = err == nil; err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if !found {
			// A name neither default nor declared reads as it does in the
			// listings; a name the server would have made means this is
			// not the server's store.
			if err := configuredWorkspace(cfg, ws); err != nil {
				return err
			}
			if st == nil {
				return fail("no store at %s: %s", store.RedactDSN(cfg.DB), wrongStoreHint)
			}
			return fail("workspace %q is not in the store %s: %s", ws, store.RedactDSN(cfg.DB), wrongStoreHint)
		}
		if cfg.MasterKey == "" {
			if _, err := os.Stat(cfg.MasterKeyFile); errors.Is(err, fs.ErrNotExist) {
				return fail("master key file %s does not exist: %s", cfg.MasterKeyFile, wrongStoreHint)
			}
		}
		env, err := server.OpenEnv(ctx, cfg, cliLogger(cmd, cfg))
		if err != nil {
			return err
		}
		defer env.Close()
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
