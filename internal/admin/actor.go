package admin

import (
	"context"

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
	ActionKeysRotate          = "admin.keys.rotate"
	ActionWorkspaceUpdate     = "admin.workspace.update"
	ActionWorkspaceCreate     = "admin.workspace.create"
	auditAccepted             = "accepted"
	adminCredentialKindPrefix = "admin:"
)

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
		Credential: adminCredentialKindPrefix + a.Name, RemoteAddr: a.RemoteAddr}, nil
}

// audit records an action already done, when an admin front end acts.
func (s *Service) audit(ctx context.Context, ws, action, clientID string) error {
	e, err := s.auditEvent(ctx, ws, action, clientID)
	if err != nil || e.ID == "" {
		return err
	}
	return s.Store.AddAuditEvent(ctx, e)
}
