package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/secret"
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
	now := time.Now().UTC().Truncate(time.Microsecond)
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
			}
		default:
			return nil, fmt.Errorf("workspace %s: %w", name, err)
		}
		if err := e.Keys.EnsureKeys(ctx, name); err != nil {
			if errors.Is(err, masterkey.ErrSealed) {
				return nil, fmt.Errorf("workspace %s: its signing keys were sealed under another master key; "+
					"start with the original master key (REGISTRAR_MASTER_KEY or master_key_file): %w", name, err)
			}
			return nil, fmt.Errorf("workspace %s keys: %w", name, err)
		}
	}
	return created, nil
}

// NewClient is what creating a client needs beyond its metadata.
type NewClient struct {
	Workspace string
	Metadata  client.Metadata
	Origin    string
}

// CreatedClient is a stored client with its one-time secret (empty for
// clients that do not authenticate with a shared secret).
type CreatedClient struct {
	Client client.Client
	Secret string
}

// CreateClient stores a new client with a random id and, for secret-based
// auth methods, a random secret kept only as a keyed hash.
func (e *Env) CreateClient(ctx context.Context, nc NewClient) (CreatedClient, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	// Time-ordered like DCR's ids; base64url ids could start with "-",
	// which `client get` would take for a flag.
	id, err := secret.TimeOrderedID(now, nil)
	if err != nil {
		return CreatedClient{}, err
	}
	cl := client.Client{
		Workspace: nc.Workspace, ID: id, IssuedAt: now, UpdatedAt: now, Version: 1,
		Metadata:   nc.Metadata,
		Provenance: client.Provenance{Origin: nc.Origin, RegisteredAt: now},
	}
	var plain string
	if client.UsesSecret(nc.Metadata.AuthMethod()) {
		if plain, err = secret.Generate(nil); err != nil {
			return CreatedClient{}, err
		}
		cl.SecretHash = e.Hasher.Hash(secret.PurposeClientSecret, plain)
	}
	if err := e.Store.CreateClient(ctx, cl); err != nil {
		return CreatedClient{}, err
	}
	return CreatedClient{Client: cl, Secret: plain}, nil
}

// Bootstrap creates the client allowed to obtain the registration scope
// (Curity-style initial access tokens) in the default workspace, the first
// time a server starts on a store whose default workspace has no clients
// yet. It returns nil when there is nothing to hand out: another start
// (perhaps a concurrent one on another node) claimed it, or an operator
// already made clients with the CLI, or the workspace names no
// registration scope (operator tokens only), which would leave the client
// nothing to do; the claim then waits for a start that has one.
func (e *Env) Bootstrap(ctx context.Context) (*CreatedClient, error) {
	ws, err := e.Store.WorkspaceByName(ctx, workspace.DefaultName)
	if err != nil || ws.Settings.Registration.Scope == "" {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	won, err := e.Store.ClaimBootstrap(ctx, workspace.DefaultName, now)
	if err != nil || !won {
		return nil, err
	}
	if n, err := e.Store.CountClients(ctx, workspace.DefaultName); err != nil || n > 0 {
		return nil, err
	}
	boot, err := e.CreateClient(ctx, NewClient{
		Workspace: workspace.DefaultName,
		Origin:    client.OriginCLI,
		Metadata: client.Metadata{
			ClientName:              "Registrar bootstrap client",
			GrantTypes:              []string{client.GrantClientCredentials},
			TokenEndpointAuthMethod: client.AuthClientSecretBasic,
			Scope:                   ws.Settings.Registration.Scope,
		},
	})
	return &boot, err
}
