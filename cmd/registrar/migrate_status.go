package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/backend"
	"github.com/registrar-dev/registrar/internal/store/sqlstore"
)

// newMigrateStatusCmd lists the migrations this binary carries and which
// the store has applied, before an upgrade or after a rollback. It only
// reads: a missing SQLite store is refused, not created.
func newMigrateStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List this binary's migrations and which the store has applied (applies none)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if err := requireStore(cfg); err != nil {
				return err
			}
			m, err := backend.ReadMigrations(cmd.Context(), cfg.DB)
			if err != nil {
				return err
			}
			if jsonFlag(cmd) {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(m)
			}
			printMigrations(cmd, store.RedactDSN(cfg.DB), m)
			return nil
		},
	}
	cmd.Flags().Bool("json", false, "print JSON")
	return cmd
}

func printMigrations(cmd *cobra.Command, db string, m sqlstore.Migrations) {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tAPPLIED\tNAME")
	pending, newest := 0, int64(0)
	for _, s := range m.States {
		applied := "pending"
		if !s.AppliedAt.IsZero() {
			applied = s.AppliedAt.UTC().Format(time.RFC3339)
		} else {
			pending++
		}
		newest = max(newest, s.Version)
		fmt.Fprintf(w, "%d\t%s\t%s\n", s.Version, applied, s.Name)
	}
	w.Flush()
	out := cmd.OutOrStdout()
	switch {
	case m.StoreVersion > newest:
		fmt.Fprintf(out, "%s was migrated to version %d by a newer binary than this one (which knows up to %d): run that version\n", db, m.StoreVersion, newest)
	case pending > 0:
		fmt.Fprintf(out, "%s: %d pending; the next serve (or registrar migrate) applies them\n", db, pending)
	default:
		fmt.Fprintf(out, "%s is up to date\n", db)
	}
}
