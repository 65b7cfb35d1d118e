package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// SettingsPolicy says what Provision does with the settings of a declared
// workspace that the store already holds.
type SettingsPolicy int

const (
	// ApplySettings: the YAML is authoritative (serve).
	ApplySettings SettingsPolicy = iota
	// KeepSettings: an operator command run with another or an edited
	// file must not change what running servers use; it only creates
	// what is missing.
	KeepSettings
)

// Provision makes the store match the configuration: the default workspace
// and every declared one exist, declared settings are applied (as policy
// says), and every workspace has signing keys. It returns the names of
// workspaces this call created. Creation is the lock: of several nodes
// starting together on an empty database, exactly one creates each
// workspace.
func (e *Env) Provision(ctx context.Context, policy SettingsPolicy) (created map[string]bool, err error) {
	created = map[string]bool{}
	names := []string{workspace.DefaultName}
	for _, w := range e.Config.Workspaces {
		if w.Name != workspace.DefaultName {
			names = append(names, w.Name)
		}
	}
	now := clock.Source{}.Time()
	for _, name := range names {
		settings, declared := e.Config.WorkspaceSettings(name)
		err := e.Store.CreateWorkspace(ctx, workspace.Workspace{Name: name, Settings: settings, CreatedAt: now, UpdatedAt: now})
		switch {
		case err == nil:
			created[name] = true
		case errors.Is(err, store.ErrConflict):
			if declared && policy == ApplySettings {
				if err := e.Store.UpdateWorkspaceSettings(ctx, name, settings, now); err != nil {
					return nil, fmt.Errorf("workspace %s: %w", name, err)
				}
				if api, err := e.Admin().CreatedThroughAPI(ctx, name); err == nil && api {
					slog.WarnContext(ctx, "workspace created through the admin API is now declared in the YAML configuration, whose settings replace its own at every start; change them in the file",
						"workspace", name)
				}
			}
		default:
			return nil, fmt.Errorf("workspace %s: %w", name, err)
		}
		if err := e.Keys.EnsureKeys(ctx, name); err != nil {
			if errors.Is(err, masterkey.ErrSealed) {
				return nil, e.explainSealed(name, err)
			}
			return nil, fmt.Errorf("workspace %s keys: %w", name, err)
		}
	}
	return created, nil
}

// Admin is the operator actions on this environment's store; the CLI
// and the bootstrap at first start go through it.
func (e *Env) Admin() *admin.Service {
	return &admin.Service{
		Store: e.Store, Hasher: e.Hasher, Secrets: e.SecretSealer, KeyRing: e.Keys, KeyMaker: e.Keys,
		EnvAdminToken: os.Getenv(EnvAdminToken),
		YAMLOwns: func(ws string) bool {
			_, declared := e.Config.WorkspaceSettings(ws)
			return declared
		},
		Registration: &registration.Service{Store: e.Store, Hasher: e.Hasher, Secrets: e.SecretSealer, BaseURL: e.Config.BaseURL,
			EndpointBaseURL: e.Config.RegistrationEndpoint},
	}
}

// EnvAdminToken names the variable holding an admin API token for
// automation, accepted beside the stored ones.
const EnvAdminToken = "REGISTRAR_ADMIN_TOKEN"

// minEnvAdminToken is the shortest REGISTRAR_ADMIN_TOKEN taken: the
// value is all that stands between the network and every workspace, and
// unlike a stored token nothing generated it.
const minEnvAdminToken = 32

// checkEnvAdminToken refuses a REGISTRAR_ADMIN_TOKEN short enough to
// guess, at start rather than at the first call.
func checkEnvAdminToken() error {
	if v := os.Getenv(EnvAdminToken); v != "" && len(v) < minEnvAdminToken {
		return fmt.Errorf("%s is %d characters long; it must have at least %d (make one with: openssl rand -hex 32), or be unset",
			EnvAdminToken, len(v), minEnvAdminToken)
	}
	return nil
}
