package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/server"
	"github.com/registrar-dev/registrar/internal/store"
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
			env, err := server.OpenEnv(cmd.Context(), cfg, cliLogger(cmd, cfg))
			if err != nil {
				return err
			}
			defer env.Close()
			fmt.Fprintf(cmd.OutOrStdout(), "store %s is migrated\n", store.RedactDSN(cfg.DB))
			return nil
		},
	}
	cmd.AddCommand(newMigrateStatusCmd())
	return cmd
}
