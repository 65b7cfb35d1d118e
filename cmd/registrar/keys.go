package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/server"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func newKeysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "List and rotate workspace signing keys"}
	cmd.PersistentFlags().String("workspace", workspace.DefaultName, "workspace")
	cmd.PersistentFlags().Bool("json", false, "print JSON")
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

// rotationView is `keys rotate --json`.
type rotationView struct {
	Keys              []rotatedKey `json:"keys"`
	SignsFrom         time.Time    `json:"signs_from"`
	OldPublishedUntil time.Time    `json:"old_keys_published_until"`
}

type rotatedKey struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
}

func runKeysRotate(cmd *cobra.Command, _ []string, env *server.Env, wsName string) error {
	ctx := cmd.Context()
	ws, err := existingWorkspace(ctx, env, wsName)
	if err != nil {
		return err
	}
	r, err := env.Keys.Rotate(ctx, ws.Name, ws.Settings.MaxTokenTTL(), ws.Settings.JWKSCacheTTL())
	if err != nil {
		return err
	}
	view := rotationView{SignsFrom: r.SignsFrom, OldPublishedUntil: r.OldPublishedUntil}
	for _, k := range r.Keys {
		view.Keys = append(view.Keys, rotatedKey{KID: k.KID, Alg: k.Alg})
	}
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), view)
	}
	printRotation(cmd.OutOrStdout(), view, env.Config.KeyRefresh)
	return nil
}

// printRotation tells the operator when the new keys start signing: until
// then tokens still carry the old kids, which is the point, not a fault.
func printRotation(w io.Writer, v rotationView, refresh time.Duration) {
	in := time.Until(v.SignsFrom).Round(time.Second)
	for _, k := range v.Keys {
		fmt.Fprintf(w, "new %s key %s: published now, signs from %s (in %s)\n", k.Alg, k.KID, v.SignsFrom.Format(time.RFC3339), in)
	}
	fmt.Fprintf(w, "Running servers publish the new keys within %s; until %s they sign with the old keys, "+
		"which stay published until %s.\n", refresh, v.SignsFrom.Format(time.RFC3339), v.OldPublishedUntil.Format(time.RFC3339))
}

type keyView struct {
	KID          string     `json:"kid"`
	Alg          string     `json:"alg"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	RetiredAt    *time.Time `json:"retired_at,omitempty"`
	PublishUntil *time.Time `json:"publish_until,omitempty"`
}

// runKeysList only reads: it works through openReadOnly, so listing an
// empty or absent store creates nothing and says there are no keys yet.
func runKeysList(cmd *cobra.Command, _ []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	now := time.Now().UTC()
	keys, err := readWorkspace(cmd, wsName, func(ctx context.Context, st store.Store) ([]store.SigningKey, error) {
		return st.KeysByWorkspace(ctx, wsName, now)
	})
	if err != nil {
		return err
	}
	views := keyViews(keys, now)
	if jsonFlag(cmd) {
		return writeJSON(cmd.OutOrStdout(), views)
	}
	if len(views) == 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "workspace %s has no signing keys yet; `registrar serve` creates them when it starts\n", wsName)
		return nil
	}
	return printKeys(cmd.OutOrStdout(), views)
}

func keyViews(keys []store.SigningKey, now time.Time) []keyView {
	views := make([]keyView, 0, len(keys))
	for _, k := range keys {
		v := keyView{KID: k.KID, Alg: k.Alg, Status: keyStatus(k, keys, now), CreatedAt: k.CreatedAt}
		if !k.RetiredAt.IsZero() {
			v.RetiredAt, v.PublishUntil = &k.RetiredAt, &k.PublishUntil
		}
		views = append(views, v)
	}
	return views
}

func printKeys(w io.Writer, views []keyView) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATUS\tCREATED\tSIGNS_UNTIL\tPUBLISHED_UNTIL")
	for _, v := range views {
		until, published := "-", "-"
		if v.RetiredAt != nil {
			until, published = v.RetiredAt.Format(time.RFC3339), v.PublishUntil.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.KID, v.Alg, v.Status, v.CreatedAt.Format(time.RFC3339), until, published)
	}
	return tw.Flush()
}

// keyStatus: "retired" keys no longer sign, "retiring" ones sign until
// their retired_at, and an "active" key waits as "next" while a key of
// its alg is still retiring (a rotation's pre-publication).
func keyStatus(k store.SigningKey, all []store.SigningKey, now time.Time) string {
	switch {
	case !k.RetiredAt.IsZero() && !now.Before(k.RetiredAt):
		return "retired"
	case !k.RetiredAt.IsZero():
		return "retiring"
	case slices.ContainsFunc(all, func(o store.SigningKey) bool { return o.Alg == k.Alg && now.Before(o.RetiredAt) }):
		return "next"
	}
	return "active"
}
