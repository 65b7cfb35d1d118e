package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/server"
)

func newAdminCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage access to the admin API"}
	token := &cobra.Command{Use: "token", Short: "Create, list and revoke admin API tokens"}
	token.PersistentFlags().Bool("json", false, "print JSON")
	create := &cobra.Command{Use: "create", Short: "Create an admin API token and print it once", Args: cobra.NoArgs,
		PreRunE: checkAdminTokenFlags, RunE: onStore(runAdminTokenCreate)}
	create.Flags().String("name", "admin", "who or what uses it; the audit trail names it")
	lifetimeFlag(create.Flags(), "expires", 0, "lifetime; 0 or none: never expires")
	list := &cobra.Command{Use: "list", Short: "List admin API tokens (never their values)", Args: cobra.NoArgs, RunE: runAdminTokenList}
	revoke := &cobra.Command{Use: "revoke ID", Short: "Revoke an admin API token", Args: cobra.ExactArgs(1), RunE: runAdminTokenRevoke}
	token.AddCommand(create, list, revoke)
	cmd.AddCommand(token)
	return cmd
}

func adminTokenRequest(cmd *cobra.Command) (admin.NewAdminToken, error) {
	name, _ := cmd.Flags().GetString("name")
	d, err := cmd.Flags().GetDuration("expires")
	return admin.NewAdminToken{Name: name, ExpiresIn: d}, err
}

// checkAdminTokenFlags runs before the store is opened: a refusal
// creates nothing.
func checkAdminTokenFlags(cmd *cobra.Command, _ []string) error {
	req, err := adminTokenRequest(cmd)
	if err != nil {
		return err
	}
	return req.Check()
}

// createdAdminToken is what `admin token create --json` prints;
// expires_at is null for a token that never expires.
type createdAdminToken struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func runAdminTokenCreate(cmd *cobra.Command, _ []string, env *server.Env, _ string) error {
	req, err := adminTokenRequest(cmd)
	if err != nil {
		return err
	}
	t, err := env.Admin().CreateAdminToken(cmd.Context(), req)
	if err != nil {
		return err
	}
	out := createdAdminToken{ID: t.ID, Name: t.Name, Token: t.Token}
	if !t.ExpiresAt.IsZero() {
		out.ExpiresAt = &t.ExpiresAt
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), out)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "id:      %s\nname:    %s\ntoken:   %s   (shown once)\nexpires: %s\n", t.ID, t.Name, t.Token, expiryLabel(t.ExpiresAt))
	return nil
}

func expiryLabel(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.RFC3339)
}

// runAdminTokenList only reads: it refuses a missing store and creates
// nothing.
func runAdminTokenList(cmd *cobra.Command, _ []string) error {
	var tokens []admin.AdminToken
	err := onExistingStore(cmd, func(svc *admin.Service) (err error) {
		tokens, err = svc.AdminTokens(cmd.Context())
		return err
	})
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), nonNil(tokens))
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
	now := time.Now()
	for _, t := range tokens {
		used := "never"
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.RFC3339), expiryLabel(t.ExpiresAt), used, adminTokenStatus(t, now))
	}
	return tw.Flush()
}

func adminTokenStatus(t admin.AdminToken, now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return "expired"
	}
	return "active"
}

// runAdminTokenRevoke acts on an existing store only: revoking in a
// store it had just made would revoke nothing a server knows.
func runAdminTokenRevoke(cmd *cobra.Command, args []string) error {
	err := onExistingStore(cmd, func(svc *admin.Service) error {
		return svc.RevokeAdminToken(cmd.Context(), args[0])
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "revoked admin token %s\n", args[0])
	return nil
}

// onExistingStore runs fn with the admin actions on the store the
// configuration names, which must exist: the admin tokens need no
// master key, and one made in a new store would be one no server knows.
func onExistingStore(cmd *cobra.Command, fn func(*admin.Service) error) error {
	cfg, st, err := openReadOnly(cmd.Context(), cmd)
	if err != nil {
		return err
	}
	if st == nil {
		return requireStore(cfg)
	}
	defer st.Close()
	return fn(&admin.Service{Store: st})
}
