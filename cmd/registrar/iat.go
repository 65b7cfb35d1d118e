package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/server"
)

func newIATCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "iat", Short: "Create, list and revoke initial access tokens for dynamic client registration"}
	operatorFlags(cmd.PersistentFlags())
	create := &cobra.Command{Use: "create", Short: "Create an initial access token and print it once", Args: cobra.NoArgs,
		PreRunE: checkIATFlags, RunE: onStore(runIATCreate)}
	create.Flags().Int("uses", 1, "how many registrations it allows (0 = unlimited until expiry)")
	lifetimeFlag(create.Flags(), "expires", 24*time.Hour, "lifetime")
	create.Flags().String("description", "", "note for operators")
	list := &cobra.Command{Use: "list", Short: "List initial access tokens", Args: cobra.NoArgs, RunE: runIATList}
	revoke := &cobra.Command{Use: "revoke ID", Short: "Revoke an initial access token", Args: cobra.ExactArgs(1), RunE: onExistingWorkspace(runIATRevoke)}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// maxUsesLabel shows 0, which means no limit, as "unlimited".
func maxUsesLabel(maxUses int) string {
	if maxUses == 0 {
		return "unlimited"
	}
	return fmt.Sprint(maxUses)
}

func iatRequest(cmd *cobra.Command) admin.NewInitialAccessToken {
	ws, _ := cmd.Flags().GetString("workspace")
	uses, _ := cmd.Flags().GetInt("uses")
	ttl, _ := cmd.Flags().GetDuration("expires")
	desc, _ := cmd.Flags().GetString("description")
	return admin.NewInitialAccessToken{Workspace: ws, MaxUses: uses, TTL: ttl, Description: desc}
}

// checkIATFlags runs before the store is opened (see checkCreateFlags).
func checkIATFlags(cmd *cobra.Command, _ []string) error {
	if iatRequest(cmd).Check() != nil {
		return fail("--uses must be ≥ 0 and --expires positive")
	}
	return nil
}

func runIATCreate(cmd *cobra.Command, _ []string, env *server.Env, _ string) error {
	iat, err := env.Admin().CreateInitialAccessToken(cmd.Context(), iatRequest(cmd))
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), iat)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "id:      %s\ntoken:   %s   (shown once)\nuses:    %s\nexpires: %s\n", iat.ID, iat.Token, maxUsesLabel(iat.MaxUses), iat.ExpiresAt.Format(time.RFC3339))
	return nil
}

// runIATList only reads (readWorkspace): on an empty store it lists
// nothing and creates nothing.
func runIATList(cmd *cobra.Command, _ []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	views, err := readWorkspace(cmd, wsName, func(ctx context.Context, svc *admin.Service) ([]admin.InitialAccessToken, error) {
		return svc.InitialAccessTokens(ctx, wsName)
	})
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), nonNil(views))
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSES\tEXPIRES\tSTATUS\tDESCRIPTION")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%d/%s\t%s\t%s\t%s\n", v.ID, v.Uses, maxUsesLabel(v.MaxUses), v.ExpiresAt.Format(time.RFC3339), v.Status, v.Description)
	}
	return tw.Flush()
}

func runIATRevoke(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	if err := env.Admin().RevokeInitialAccessToken(cmd.Context(), wsName, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "revoked initial access token %s\n", args[0])
	return nil
}
