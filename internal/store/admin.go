package store

import (
	"context"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
)

// AdminToken is a bearer token of the admin API. Only its keyed hash is
// stored.
type AdminToken struct {
	ID         string
	Name       string
	Hash       []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never expires
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero while usable
}

// Usable reports whether t is unrevoked and unexpired at now.
func (t AdminToken) Usable(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// AdminTokens persists admin API tokens. They belong to the deployment,
// not to a workspace: an admin token reaches every workspace.
type AdminTokens interface {
	// CreateAdminToken inserts t. ErrConflict on a duplicate id or hash.
	CreateAdminToken(ctx context.Context, t AdminToken) error
	// AdminTokenByHash finds a token by hash (usable or not). ErrNotFound if none.
	AdminTokenByHash(ctx context.Context, hash []byte) (AdminToken, error)
	// ListAdminTokens returns every token, revoked ones included, newest first.
	ListAdminTokens(ctx context.Context) ([]AdminToken, error)
	// RevokeAdminToken sets RevokedAt (idempotent). ErrNotFound if absent.
	RevokeAdminToken(ctx context.Context, id string, at time.Time) error
	// TouchAdminToken sets LastUsedAt to at unless it is already later
	// than at-every: one write per token per interval, not per request.
	TouchAdminToken(ctx context.Context, id string, at time.Time, every time.Duration) error
}

// ClientKey is a client's place in the operator's list, newest first:
// by IssuedAt, then ID.
type ClientKey struct {
	IssuedAt time.Time
	ID       string
}

// ClientSearch selects a page of a workspace's clients, newest first.
// Every set field narrows the result.
type ClientSearch struct {
	// Origins: the client's Provenance.Origin is one of them (nil: any).
	Origins    []string
	SoftwareID string
	// IssuedAfter: issued strictly after it.
	IssuedAfter time.Time
	// Text: a substring of Client.SearchText; the caller lowercases it.
	Text string
	// After: the last client of the previous page (nil for the first).
	After *ClientKey
	Limit int // > 0
}

// AuditKey is an event's place in the trail, newest first: by At, then ID.
type AuditKey struct {
	At time.Time
	ID string
}

// AuditSearch selects a page of a workspace's audit events, newest first.
type AuditSearch struct {
	Action   string
	ClientID string
	// Since and Until bound At: Since ≤ At < Until (zero: unbounded).
	Since, Until time.Time
	After        *AuditKey
	Limit        int // > 0
}

// AdminSearches are the operator's paged, filtered lists.
type AdminSearches interface {
	// SearchClients returns at most q.Limit clients of ws matching q,
	// ordered by (IssuedAt, ID) descending; a page is stable under
	// inserts of newer clients.
	SearchClients(ctx context.Context, ws string, q ClientSearch) ([]client.Client, error)
	// SearchAuditEvents returns at most q.Limit events of ws matching q,
	// ordered by (At, ID) descending.
	SearchAuditEvents(ctx context.Context, ws string, q AuditSearch) ([]AuditEvent, error)
}
