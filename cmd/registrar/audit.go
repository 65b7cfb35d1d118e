package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/admin"
)

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Registration audit events"}
	list := &cobra.Command{Use: "list", Short: "List registration decisions, newest first", Args: cobra.NoArgs, RunE: runAuditList}
	operatorFlags(list.Flags())
	list.Flags().Int("limit", 100, "at most this many events (0 = all)")
	cmd.AddCommand(list)
	return cmd
}

// runAuditList is a read: like `keys list` it neither creates a store nor
// a master key file where there is none, and provisions nothing.
func runAuditList(cmd *cobra.Command, _ []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	limit, _ := cmd.Flags().GetInt("limit")
	events, err := readWorkspace(cmd, wsName, func(ctx context.Context, svc *admin.Service) ([]admin.AuditEvent, error) {
		return svc.AuditEvents(ctx, wsName, limit)
	})
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), nonNil(events))
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTION\tOUTCOME\tCLIENT_ID\tCREDENTIAL\tREASON")
	for _, e := range events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Action, e.Outcome, e.ClientID, e.Credential, e.Reason)
	}
	return tw.Flush()
}
