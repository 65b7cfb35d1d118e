package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Registration audit events"}
	list := &cobra.Command{Use: "list", Short: "List registration decisions, newest first", Args: cobra.NoArgs, RunE: runAuditList}
	list.Flags().String("workspace", workspace.DefaultName, "workspace")
	list.Flags().Bool("json", false, "print JSON")
	list.Flags().Int("limit", 100, "at most this many events (0 = all)")
	cmd.AddCommand(list)
	return cmd
}

type auditView struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	Outcome    string    `json:"outcome"`
	ClientID   string    `json:"client_id,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Credential string    `json:"credential,omitempty"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
}

// runAuditList is a read: like `keys list` it neither creates a store nor
// a master key file where there is none, and provisions nothing.
func runAuditList(cmd *cobra.Command, _ []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	limit, _ := cmd.Flags().GetInt("limit")
	events, err := readWorkspace(cmd, wsName, func(ctx context.Context, st store.Store) ([]store.AuditEvent, error) {
		return st.ListAuditEvents(ctx, wsName, limit)
	})
	if err != nil {
		return err
	}
	views := make([]auditView, 0, len(events))
	for _, e := range events {
		views = append(views, auditView{ID: e.ID, At: e.At, Action: e.Action, Outcome: e.Outcome,
			ClientID: e.ClientID, Reason: e.Reason, Credential: e.Credential, RemoteAddr: e.RemoteAddr})
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), views)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTION\tOUTCOME\tCLIENT_ID\tCREDENTIAL\tREASON")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.At.Format(time.RFC3339), v.Action, v.Outcome, v.ClientID, v.Credential, v.Reason)
	}
	return tw.Flush()
}
