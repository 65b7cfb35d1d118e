package admin

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
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
	return viewAudit(events), nil
}

func viewAudit(events []store.AuditEvent) []AuditEvent {
	views := make([]AuditEvent, 0, len(events))
	for _, e := range events {
		views = append(views, AuditEvent{ID: e.ID, At: e.At, Action: e.Action, Outcome: e.Outcome,
			ClientID: e.ClientID, Reason: e.Reason, Credential: e.Credential, RemoteAddr: e.RemoteAddr})
	}
	return views
}

// AuditQuery selects a page of a workspace's audit events, newest first.
type AuditQuery struct {
	// Type is the event's action: register, read, update, delete, or an
	// admin.… action.
	Type     string
	ClientID string
	// Since ≤ at < Until; zero bounds nothing.
	Since, Until time.Time
	Limit        int // 0: DefaultPageSize
	Cursor       string
}

// AuditPage is a page of events; NextCursor is "" on the last page.
type AuditPage struct {
	Items      []AuditEvent
	NextCursor string
}

// ListAuditEvents returns a page of a workspace's audit events, newest
// first, filtered as q says; a garbage cursor or limit, or Until not
// after Since, is refused as ErrInvalid.
func (s *Service) ListAuditEvents(ctx context.Context, wsName string, q AuditQuery) (AuditPage, error) {
	limit, err := pageSize(q.Limit)
	if err != nil {
		return AuditPage{}, err
	}
	if q.Type != "" && !slices.Contains(AuditTypes, q.Type) {
		return AuditPage{}, refuse(ErrInvalid, "type must be one of %s", strings.Join(AuditTypes, ", "))
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return AuditPage{}, refuse(ErrInvalid, "until must be after since")
	}
	at, id, ok, err := decodeCursor(q.Cursor)
	if err != nil {
		return AuditPage{}, err
	}
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return AuditPage{}, err
	}
	sq := store.AuditSearch{Action: q.Type, ClientID: q.ClientID, Since: q.Since, Until: q.Until, Limit: limit + 1}
	if ok {
		sq.After = &store.AuditKey{At: at, ID: id}
	}
	events, err := s.Store.SearchAuditEvents(ctx, wsName, sq)
	if err != nil {
		return AuditPage{}, err
	}
	events, next := pageOf(events, limit, func(e store.AuditEvent) (time.Time, string) { return e.At, e.ID })
	return AuditPage{Items: viewAudit(events), NextCursor: next}, nil
}
