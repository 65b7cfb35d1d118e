package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Try a workspace's registration policies"}
	test := &cobra.Command{Use: "test REQUEST.json", Short: "Judge a registration request offline: print each failed rule, exit 0 if allowed, 1 if denied",
		Long: "Runs a registration request through the workspace's validation and policies as the\n" +
			"configuration (--config) declares them, or as the store (--db) holds them for a\n" +
			"workspace the file does not declare. Nothing is sent, fetched or stored; a software\n" +
			"statement's claims are read without verifying its signature.",
		Args: cobra.ExactArgs(1), RunE: runPolicyTest}
	test.Flags().String("workspace", workspace.DefaultName, "workspace")
	test.Flags().String("token-claims", "", "JSON file of the claims the rules read as `token` (default: none, as in open mode)")
	cmd.AddCommand(test)
	return cmd
}

// errDenied ends `policy test` with exit status 1 once the failures are
// printed.
var errDenied = errors.New("denied")

// exitStatus is an error that ends the process with its own status.
type exitStatus struct {
	err    error
	status int
}

func (e exitStatus) Error() string   { return e.err.Error() }
func (e exitStatus) Unwrap() error   { return e.err }
func (e exitStatus) ExitStatus() int { return e.status }

// runPolicyTest exits 0 (allowed), 1 (denied) or 2 (it could not judge:
// a missing file, a bad configuration), so that a CI pipeline never reads
// a broken setup as a denial.
func runPolicyTest(cmd *cobra.Command, args []string) error {
	err := judgeRequest(cmd, args)
	if err != nil && !errors.Is(err, errDenied) {
		return exitStatus{err, 2}
	}
	return err
}

func judgeRequest(cmd *cobra.Command, args []string) error {
	wsName, _ := cmd.Flags().GetString("workspace")
	ws, err := policyWorkspace(cmd, wsName)
	if err != nil {
		return err
	}
	body, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	token, err := tokenClaims(cmd)
	if err != nil {
		return err
	}
	resp, err := (&registration.Service{}).Rehearse(cmd.Context(), ws, body, token)
	out := cmd.OutOrStdout()
	var refusal *registration.DryRunRefusal
	var oe *oautherr.Error
	switch {
	case errors.As(err, &refusal):
		for _, v := range refusal.Violations {
			fmt.Fprintf(out, "%s: %s\n", v.Rule, v.Message)
		}
		return errDenied
	case errors.As(err, &oe):
		fmt.Fprintf(out, "%s: %s\n", oe.Code, oe.Description)
		return errDenied
	case err != nil:
		return err
	}
	fmt.Fprintln(out, "allowed; it would register:")
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(resp["client"])
}

// policyWorkspace is the workspace as the configuration declares it, else
// as the store holds it, else (the default workspace) as serve would make
// it.
func policyWorkspace(cmd *cobra.Command, name string) (workspace.Workspace, error) {
	cfg, st, err := openReadOnly(cmd.Context(), cmd)
	if err != nil {
		return workspace.Workspace{}, err
	}
	if st != nil {
		defer st.Close()
	}
	if settings, declared := cfg.WorkspaceSettings(name); declared || st == nil {
		return workspace.Workspace{Name: name, Settings: settings}, configuredWorkspace(cfg, name)
	}
	ws, err := st.WorkspaceByName(cmd.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		return workspace.Workspace{Name: name, Settings: workspace.DefaultSettings()}, configuredWorkspace(cfg, name)
	}
	return ws, err
}

// tokenClaims reads --token-claims: one JSON object.
func tokenClaims(cmd *cobra.Command) (map[string]any, error) {
	path, _ := cmd.Flags().GetString("token-claims")
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, fmt.Errorf("--token-claims %s: not a JSON object: %w", path, err)
	}
	return claims, nil
}
