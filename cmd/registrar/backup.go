package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/config"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/backend"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
)

// newBackupCmd copies a SQLite store while servers keep serving from it.
// It only reads the store: a missing one is refused, never created, and
// the master key is neither read nor made.
func newBackupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup --to FILE",
		Short: "Copy the SQLite store to a new file, consistently, while servers run",
		Long: "Copies the SQLite store (--db, REGISTRAR_DB) into a new file with SQLite's online backup API: " +
			"the copy is the store as one commit left it, taken while servers keep writing. " +
			"The master key is not in the copy: back up its file (or REGISTRAR_MASTER_KEY) separately. " +
			"A PostgreSQL store is backed up with pg_dump.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			to, _ := cmd.Flags().GetString("to")
			if to == "" {
				return fail("--to FILE is required: the new file the copy is written to")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			path, isSQLite := backend.SQLitePath(cfg.DB)
			if !isSQLite {
				return fail("db %s is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file registrar.dump DSN), "+
					"which is consistent while servers write; registrar backup copies SQLite stores", store.RedactDSN(cfg.DB))
			}
			if path == "" {
				return fail("db %s names no file to back up", store.RedactDSN(cfg.DB))
			}
			if err := errors.Join(requireStore(cfg), requireFolder(to)); err != nil {
				return err
			}
			if err := sqlite.Backup(cmd.Context(), path, to); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backed up %s to %s\n", store.RedactDSN(cfg.DB), to)
			fmt.Fprintf(cmd.OutOrStdout(), "note: the copy holds no master key: keep %s with it, "+
				"without which its signing keys and secrets cannot be used\n", masterKeySource(cfg.MasterKey, cfg.MasterKeyFile))
			return nil
		},
	}
	cmd.Flags().String("to", "", "the new file to write the copy to (never overwritten)")
	return cmd
}

// requireFolder refuses a --to file whose folder is missing (or is not a
// folder), which the backup would otherwise report as a bare "no such file
// or directory" on the file itself.
func requireFolder(to string) error {
	dir := filepath.Dir(to)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fail("--to %s: the folder %s does not exist (looked for %s): make it first; nothing was written", to, dir, config.AbsPath(dir))
	case err != nil:
		return fail("--to %s: %w", to, err)
	case !info.IsDir():
		return fail("--to %s: %s is not a folder; nothing was written", to, dir)
	}
	return nil
}

// masterKeySource names where the master key of a configuration comes from.
func masterKeySource(envKey, file string) string {
	if envKey != "" {
		return "the REGISTRAR_MASTER_KEY value"
	}
	return "the master key file " + file
}
