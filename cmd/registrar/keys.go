package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/server"
)

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "List and rotate workspace signing keys"}
	operatorFlags(cmd.PersistentFlags())
	rotate := &cobra.Command{
		Use: "rotate",
		Short: "Add a new key per algorithm, published at once, signing after the JWKS max-age; " +
			"old keys stay published until their tokens expire",
		Args: cobra.NoArgs,
		RunE: onExistingWorkspace(runKeysRotate),
	}
	list := &cobra.Command{Use: "list", Short: "List published keys", Args: cobra.NoArgs, RunE: runKeysList}
	cmd.AddCommand(rotate, list)
	return cmd
}

func runKeysRotate(cmd *cobra.Command, _ []string, env *server.Env, wsName string) error {
	r, err := env.Admin().RotateKeys(cmd.Context(), wsName)
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), r)
	}
	printRotation(cmd.OutOrStdout(), r, env.Config.KeyRefresh)
	return nil
}

// printRotation tells the operator when the new keys start signing: until
// then tokens still carry the old kids, which is the point, not a fault.
func printRotation(w io.Writer, r admin.Rotation, refresh time.Duration) {
	in := r.SignsIn.Round(time.Second)
	for _, k := range r.Keys {
		fmt.Fprintf(w, "new %s key %s: published now, signs from %s (in %s)\n", k.Alg, k.KID, r.SignsFrom.Format(time.RFC3339), in)
	}
	fmt.Fprintf(w, "Running servers publish the new keys within %s; until %s they sign with the old keys, "+
		"which stay published until %s.\n", refresh, r.SignsFrom.Format(time.RFC3339), r.OldPublishedUntil.Format(time.RFC3339))
}

// runKeysList only reads: it works through openReadOnly, so listing an
// empty or absent store creates nothing and says there are no keys yet.
func runKeysList(cmd *cobra.Command, _ []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	keys, err := readWorkspace(cmd, wsName, func(ctx context.Context, svc *admin.Service) ([]admin.Key, error) {
		return svc.Keys(ctx, wsName)
	})
	if err != nil {
		return err
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), nonNil(keys))
	}
	if len(keys) == 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "workspace %s has no signing keys yet; `registrar serve` creates them when it starts\n", wsName)
		return nil
	}
	return printKeys(cmd.OutOrStdout(), keys)
}

func printKeys(w io.Writer, keys []admin.Key) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATUS\tCREATED\tSIGNS_UNTIL\tPUBLISHED_UNTIL")
	for _, k := range keys {
		until, published := "-", "-"
		if k.RetiredAt != nil {
			until, published = k.RetiredAt.Format(time.RFC3339), k.PublishUntil.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.KID, k.Alg, k.Status, k.CreatedAt.Format(time.RFC3339), until, published)
	}
	return tw.Flush()
}
