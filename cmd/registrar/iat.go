package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/server"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func newIATCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "iat", Short: "Create, list and revoke initial access tokens for dynamic client registration"}
	cmd.PersistentFlags().String("workspace", workspace.DefaultName, "workspace")
	cmd.PersistentFlags().Bool("json", false, "print JSON")
	create := &cobra.Command{Use: "create", Short: "Create an initial access token and print it once", Args: cobra.NoArgs,
		PreRunE: checkIATFlags, RunE: onStore(runIATCreate)}
	create.Flags().Int("uses", 1, "how many registrations it allows (0 = unlimited until expiry)")
	create.Flags().Duration("expires", 24*time.Hour, "lifetime")
	create.Flags().String("description", "", "note for operators")
	list := &cobra.Command{Use: "list", Short: "List initial access tokens", Args: cobra.NoArgs, RunE: runIATList}
	revoke := &cobra.Command{Use: "revoke ID", Short: "Revoke an initial access token", Args: cobra.ExactArgs(1), RunE: onExistingWorkspace(runIATRevoke)}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

type iatView struct {
	ID          string     `json:"id"`
	Token       string     `json:"token,omitempty"`
	Workspace   string     `json:"workspace"`
	Description string     `json:"description,omitempty"`
	MaxUses     int        `json:"max_uses"`
	Uses        int        `json:"uses"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	// Status is active, used up, expired or revoked, so that scripts need
	// not redo the arithmetic (max_uses 0 means unlimited).
	Status string `json:"status"`
}

func viewIAT(t store.InitialAccessToken, token string, now time.Time) iatView {
	v := iatView{ID: t.ID, Token: token, Workspace: t.Workspace, Description: t.Description,
		MaxUses: t.MaxUses, Uses: t.Uses, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Status: t.Status(now)}
	if !t.RevokedAt.IsZero() {
		v.RevokedAt = &t.RevokedAt
	}
	return v
}

// maxUsesLabel shows 0, which means no limit, as "unlimited".
func maxUsesLabel(maxUses int) string {
	if maxUses == 0 {
		return "unlimited"
	}
	return fmt.Sprint(maxUses)
}

// checkIATFlags runs before the store is opened (see checkCreateFlags).
func checkIATFlags(cmd *cobra.Command, _ []string) error {
	uses, _ := cmd.Flags().GetInt("uses")
	ttl, _ := cmd.Flags().GetDuration("expires")
	if uses < 0 || ttl <= 0 {
		return fail("--uses must be ≥ 0 and --expires positive")
	}
	return nil
}

func runIATCreate(cmd *cobra.Command, _ []string, env *server.Env, wsName string) error {
	ctx := cmd.Context()
	rs := env.Store
	if _, err := existingWorkspace(ctx, env, wsName); err != nil {
		return err
	}
	uses, _ := cmd.Flags().GetInt("uses")
	ttl, _ := cmd.Flags().GetDuration("expires")
	desc, _ := cmd.Flags().GetString("description")
	token, err := secret.Generate(nil)
	if err != nil {
		return err
	}
	id, err := secret.TimeOrderedID(time.Now(), nil) // never starts with "-", which the CLI would take for a flag
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	iat := store.InitialAccessToken{
		Workspace: wsName, ID: id, Hash: env.Hasher.Hash(secret.PurposeInitialAccessToken, token),
		Description: desc, MaxUses: uses, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	if err := rs.CreateInitialAccessToken(ctx, iat); err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), viewIAT(iat, token, now))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "id:      %s\ntoken:   %s   (shown once)\nuses:    %s\nexpires: %s\n", id, token, maxUsesLabel(uses), iat.ExpiresAt.Format(time.RFC3339))
	return nil
}

// runIATList only reads (readWorkspace): on an empty store it lists
// nothing and creates nothing.
func runIATList(cmd *cobra.Command, _ []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	tokens, err := readWorkspace(cmd, wsName, func(ctx context.Context, st store.Store) ([]store.InitialAccessToken, error) {
		return st.ListInitialAccessTokens(ctx, wsName)
	})
	if err != nil {
		return err
	}
	now := time.Now()
	views := make([]iatView, 0, len(tokens))
	for _, t := range tokens {
		views = append(views, viewIAT(t, "", now))
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), views)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSES\tEXPIRES\tSTATUS\tDESCRIPTION")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%d/%s\t%s\t%s\t%s\n", v.ID, v.Uses, maxUsesLabel(v.MaxUses), v.ExpiresAt.Format(time.RFC3339), v.Status, v.Description)
	}
	return tw.Flush()
}

func runIATRevoke(cmd *cobra.Command, args []string, env *server.Env, wsName string) error {
	ctx := cmd.Context()
	rs := env.Store
	err := rs.RevokeInitialAccessToken(ctx, wsName, args[0], time.Now().UTC().Truncate(time.Microsecond))
	if errors.Is(err, store.ErrNotFound) {
		return fail("no initial access token %q in workspace %s", args[0], wsName)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "revoked initial access token %s\n", args[0])
	return nil
}
