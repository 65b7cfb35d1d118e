// Package admin is what an operator does to a workspace: clients, initial
// access tokens, users, signing keys and the registration audit. It
// returns values and typed errors and prints nothing, so the CLI today
// and an admin HTTP API later are only its front ends.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/keyring"
	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Store is what operator actions read and write.
type Store interface {
	store.Workspaces
	store.Clients
	store.InitialAccessTokens
	store.Registrations
	store.Users
	store.Keys
	store.LoginThrottle
	store.AdminTokens
	store.AdminSearches
}

// KeyRotator rotates a workspace's signing keys (keyring.Ring).
type KeyRotator interface {
	Rotate(ctx context.Context, ws string, publishFor, jwksMaxAge time.Duration) (keyring.Rotation, error)
}

// RegistrationTokens replaces a self-registered client's registration
// access token (registration.Service), committing by, the admin's audit
// event, with it (one without an ID: the operator's own).
type RegistrationTokens interface {
	ReissueRegistrationToken(ctx context.Context, ws workspace.Workspace, clientID string, by store.AuditEvent) (registration.Response, error)
}

// Service runs operator actions. Only reads need no more than Store;
// actions that make secrets need Hasher, key rotation KeyRing, and a
// registration token reissue Registration.
type Service struct {
	clock.Source
	Store  Store
	Hasher *secret.Hasher
	// Secrets seals the secrets of client_secret_jwt clients.
	Secrets      client.SecretSealer
	KeyRing      KeyRotator
	Registration RegistrationTokens
	// EnvAdminToken is REGISTRAR_ADMIN_TOKEN, an admin token beside the
	// stored ones, for automation; "" for none.
	EnvAdminToken string
	// YAMLOwns says whether the YAML configuration declares a workspace,
	// whose settings a start applies again; nil: none is.
	YAMLOwns func(workspace string) bool
	// Keys makes a new workspace's first signing keys (keyring.Ring).
	KeyMaker KeyMaker
	// Log receives what must not fail an action already committed (an
	// audit write); nil: slog.Default.
	Log *slog.Logger
}

// KeyMaker makes a workspace's signing keys where it has none.
type KeyMaker interface {
	EnsureKeys(ctx context.Context, ws string) error
}

// Kinds of refusal, for errors.Is: an HTTP layer maps them to 404, 409
// and 400. Invalid client metadata is an *oautherr.Error instead, as DCR
// answers it.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid request")
)

// Error is a refusal with a message for the operator.
type Error struct {
	Kind    error // ErrNotFound, ErrConflict or ErrInvalid
	Message string
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Kind }

func refuse(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Workspace loads a workspace, which must exist: workspaces are declared
// in the configuration, not made by operator actions.
func (s *Service) Workspace(ctx context.Context, name string) (workspace.Workspace, error) {
	ws, err := s.Store.WorkspaceByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return ws, refuse(ErrNotFound, "workspace %q does not exist: declare it in the YAML configuration, or create it through the admin API (POST /admin/api/v1/workspaces)", name)
	}
	return ws, err
}

// newID is a record id: time-ordered, so it never starts with "-", which
// the CLI would take for a flag.
func (s *Service) newID(now time.Time) (string, error) {
	return secret.TimeOrderedID(now, s.Random())
}

// newSecretRecord makes what a record of a bearer secret needs: the
// secret, shown once, and the record's id, at now.
func (s *Service) newSecretRecord(now time.Time) (token, id string, err error) {
	if token, err = secret.Generate(s.Random()); err != nil {
		return "", "", err
	}
	id, err = s.newID(now)
	return token, id, err
}
