package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/backend"
)

func newMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations (serve also does this at start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			// Migrating upgrades the server's store; it does not make one.
			if err := requireStore(cfg); err != nil {
				return err
			}
			st, err := backend.Open(cmd.Context(), cfg.DB, cliLogger(cmd, cfg))
			if err != nil {
				return err
			}
			defer st.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "store %s is migrated\n", store.RedactDSN(cfg.DB))
			return nil
		},
	}
	cmd.AddCommand(newMigrateStatusCmd())
	return cmd
}
