package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/server"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "List and rotate workspace signing keys"}
	cmd.PersistentFlags().String("workspace", workspace.DefaultName, "workspace")
	cmd.PersistentFlags().Bool("json", false, "print JSON")
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Add a new active key per algorithm; old keys stay published until their tokens expire",
		Args:  cobra.NoArgs,
		RunE:  onStore(runKeysRotate),
	}
	list := &cobra.Command{Use: "list", Short: "List published keys", Args: cobra.NoArgs, RunE: onStore(runKeysList)}
	cmd.AddCommand(rotate, list)
	return cmd
}

func runKeysRotate(cmd *cobra.Command, _ []string, env *server.Env, wsName string) error {
	ctx := cmd.Context()
	ws, err := existingWorkspace(ctx, env, wsName)
	if err != nil {
		return err
	}
	fresh, err := env.Keys.Rotate(ctx, ws.Name, ws.Settings.MaxTokenTTL())
	if err != nil {
		return err
	}
	for _, k := range fresh {
		fmt.Fprintf(cmd.OutOrStdout(), "new active %s key %s\n", k.Alg, k.KID)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "retired keys stay in the JWKS for %s; running servers pick up the new keys within 30s\n", ws.Settings.MaxTokenTTL())
	return nil
}

type keyView struct {
	KID          string     `json:"kid"`
	Alg          string     `json:"alg"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	RetiredAt    *time.Time `json:"retired_at,omitempty"`
	PublishUntil *time.Time `json:"publish_until,omitempty"`
}

func runKeysList(cmd *cobra.Command, _ []string, env *server.Env, wsName string) error {
	ctx := cmd.Context()
	keys, err := env.Store.KeysByWorkspace(ctx, wsName, time.Now().UTC())
	if err != nil {
		return err
	}
	views := make([]keyView, 0, len(keys))
	for _, k := range keys {
		v := keyView{KID: k.KID, Alg: k.Alg, Status: "active", CreatedAt: k.CreatedAt}
		if !k.RetiredAt.IsZero() {
			v.Status, v.RetiredAt, v.PublishUntil = "retired", &k.RetiredAt, &k.PublishUntil
		}
		views = append(views, v)
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), views)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATUS\tCREATED\tPUBLISHED_UNTIL")
	for _, v := range views {
		until := "-"
		if v.PublishUntil != nil {
			until = v.PublishUntil.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.KID, v.Alg, v.Status, v.CreatedAt.Format(time.RFC3339), until)
	}
	return tw.Flush()
}
