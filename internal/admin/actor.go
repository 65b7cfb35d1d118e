package admin

import (
	"context"
	"log/slog"
	"slices"

	"github.com/registrar-dev/registrar/internal/registration"
	"github.com/registrar-dev/registrar/internal/store"
)

// Admin is who an admin front end acts for: an admin token's id and name
// (EnvAdminName for REGISTRAR_ADMIN_TOKEN), and the caller's address.
type Admin struct {
	TokenID, Name string
	RemoteAddr    string
}

type adminKey struct{}

// WithAdmin returns ctx carrying who acts; the actions taken under it are
// audited in that name.
func WithAdmin(ctx context.Context, a Admin) context.Context {
	return context.WithValue(ctx, adminKey{}, a)
}

// AdminFrom returns who acts under ctx, if an admin front end said.
func AdminFrom(ctx context.Context) (Admin, bool) {
	a, ok := ctx.Value(adminKey{}).(Admin)
	return a, ok
}

// Audit actions of the admin front ends.
const (
	ActionClientUpdate        = "admin.client.update"
	ActionClientDisable       = "admin.client.disable"
	ActionClientEnable        = "admin.client.enable"
	ActionClientDelete        = "admin.client.delete"
	ActionClientRotateSecret  = "admin.client.rotate_secret"
	ActionClientReissueToken  = "admin.client.reissue_registration_token"
	ActionIATCreate           = "admin.initial_access_token.create"
	ActionIATRevoke           = "admin.initial_access_token.revoke"
	ActionUserAdd             = "admin.user.add"
	ActionUserDelete          = "admin.user.delete"
	ActionUserResetPassword   = "admin.user.reset_password"
	ActionUserUnlock          = "admin.user.unlock"
	ActionKeysRotate          = "admin.keys.rotate"
	ActionWorkspaceUpdate     = "admin.workspace.update"
	ActionWorkspaceCreate     = "admin.workspace.create"
	ActionClientCreate        = "admin.client.create"
	auditAccepted             = "accepted"
	adminCredentialKindPrefix = "admin:"
)

// AuditTypes are the actions an audit event can have: those of
// registration (RFC 7591, 7592) and those of the admin front ends.
var AuditTypes = slices.Concat(registration.AuditActions, []string{
	ActionClientCreate, ActionClientUpdate, ActionClientDisable, ActionClientEnable, ActionClientDelete,
	ActionClientRotateSecret, ActionClientReissueToken, ActionIATCreate, ActionIATRevoke,
	ActionUserAdd, ActionUserDelete, ActionUserResetPassword, ActionUserUnlock, ActionKeysRotate,
	ActionWorkspaceCreate, ActionWorkspaceUpdate,
})

// Credential names the admin token an action was taken with: its name
// and id, as two tokens may share a name over time ("admin:ci#<id>"), or
// "admin:env" for REGISTRAR_ADMIN_TOKEN.
func (a Admin) Credential() string {
	if a.TokenID == EnvAdminName {
		return adminCredentialKindPrefix + EnvAdminName
	}
	return adminCredentialKindPrefix + a.Name + "#" + a.TokenID
}

// auditEvent is the audit event of an action on ws (about clientID, or
// "" for none) by the admin ctx carries; one with no ID, which stores
// skip, when no admin front end acts (the CLI's own actions are the
// operator's shell history).
func (s *Service) auditEvent(ctx context.Context, ws, action, clientID string) (store.AuditEvent, error) {
	a, ok := AdminFrom(ctx)
	if !ok {
		return store.AuditEvent{}, nil
	}
	now := s.Time()
	id, err := s.newID(now)
	if err != nil {
		return store.AuditEvent{}, err
	}
	return store.AuditEvent{Workspace: ws, ID: id, At: now, Action: action, Outcome: auditAccepted, ClientID: clientID,
		Credential: a.Credential(), RemoteAddr: a.RemoteAddr}, nil
}

// audit records an action already committed, when an admin front end
// acts, naming its target (a user, an initial access token: "" for
// none) in the event's Reason. The change is done and may have made a
// one-time value (a token shown once): a failed audit write is logged as
// an error rather than returned, which would lose that value.
func (s *Service) audit(ctx context.Context, ws, action, clientID, target string) {
	e, err := s.auditEvent(ctx, ws, action, clientID)
	if err == nil && e.ID != "" {
		e.Reason = target
		err = s.Store.AddAuditEvent(ctx, e)
	}
	if err != nil {
		s.logger().ErrorContext(ctx, "admin: the audit event of a committed change was not written",
			"workspace", ws, "action", action, "client_id", clientID, "target", target, "err", err)
	}
}

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
