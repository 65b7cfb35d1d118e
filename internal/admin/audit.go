package admin

import (
	"context"
	"time"
)

// AuditEvent is one registration decision.
type AuditEvent struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	Outcome    string    `json:"outcome"`
	ClientID   string    `json:"client_id,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Credential string    `json:"credential,omitempty"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
}

// AuditEvents lists a workspace's registration decisions, newest first,
// at most limit of them (0: all).
func (s *Service) AuditEvents(ctx context.Context, wsName string, limit int) ([]AuditEvent, error) {
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return nil, err
	}
	events, err := s.Store.ListAuditEvents(ctx, wsName, limit)
	if err != nil {
		return nil, err
	}
	views := make([]AuditEvent, 0, len(events))
	for _, e := range events {
		views = append(views, AuditEvent{ID: e.ID, At: e.At, Action: e.Action, Outcome: e.Outcome,
			ClientID: e.ClientID, Reason: e.Reason, Credential: e.Credential, RemoteAddr: e.RemoteAddr})
	}
	return views, nil
}
