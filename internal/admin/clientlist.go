package admin

import (
	"context"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

// How a client was registered, as the operator's list filters it: by
// dynamic registration, or by an operator (the CLI, the admin API or
// console, the bootstrap client).
const (
	RegisteredViaDCR      = "dcr"
	RegisteredViaOperator = "operator"
)

// RegisteredVia says how cl was registered: RegisteredViaDCR or
// RegisteredViaOperator.
func RegisteredVia(cl client.Client) string {
	if cl.Provenance.Origin == client.OriginDCR {
		return RegisteredViaDCR
	}
	return RegisteredViaOperator
}

var originsOf = map[string][]string{
	"":                    nil,
	RegisteredViaDCR:      {client.OriginDCR},
	RegisteredViaOperator: {client.OriginCLI, client.OriginAdmin},
}

// ClientQuery selects a page of a workspace's clients, newest first.
type ClientQuery struct {
	RegisteredVia string // "", RegisteredViaDCR or RegisteredViaOperator
	SoftwareID    string
	CreatedAfter  time.Time
	// Q is a substring of the client's name or id, in any case.
	Q      string
	Limit  int // 0: DefaultPageSize
	Cursor string
}

// ClientPage is a page of clients; NextCursor is "" on the last page.
type ClientPage struct {
	Items      []client.Client
	NextCursor string
}

// maxQuery bounds a search text.
const maxQuery = 256

func (q ClientQuery) search() (store.ClientSearch, error) {
	origins, ok := originsOf[q.RegisteredVia]
	if !ok {
		return store.ClientSearch{}, refuse(ErrInvalid, "registered_via must be %s or %s", RegisteredViaDCR, RegisteredViaOperator)
	}
	if len(q.Q) > maxQuery || strings.ContainsFunc(q.Q, func(c rune) bool { return c < ' ' }) {
		return store.ClientSearch{}, refuse(ErrInvalid, "q must be at most %d characters, without control characters", maxQuery)
	}
	limit, err := pageSize(q.Limit)
	if err != nil {
		return store.ClientSearch{}, err
	}
	at, id, ok, err := decodeCursor(q.Cursor)
	if err != nil {
		return store.ClientSearch{}, err
	}
	sq := store.ClientSearch{Origins: origins, SoftwareID: q.SoftwareID, IssuedAfter: q.CreatedAfter,
		Text: strings.ToLower(q.Q), Limit: limit}
	if ok {
		sq.After = &store.ClientKey{IssuedAt: at, ID: id}
	}
	return sq, nil
}

// ListClients returns a page of a workspace's clients, newest first,
// filtered as q says; a garbage cursor or limit is refused as ErrInvalid.
func (s *Service) ListClients(ctx context.Context, wsName string, q ClientQuery) (ClientPage, error) {
	sq, err := q.search()
	if err != nil {
		return ClientPage{}, err
	}
	if _, err := s.Workspace(ctx, wsName); err != nil {
		return ClientPage{}, err
	}
	limit := sq.Limit
	sq.Limit++ // one more than shown tells whether a next page exists
	items, err := s.Store.SearchClients(ctx, wsName, sq)
	if err != nil {
		return ClientPage{}, err
	}
	items, next := pageOf(items, limit, func(c client.Client) (time.Time, string) { return c.IssuedAt, c.ID })
	return ClientPage{Items: items, NextCursor: next}, nil
}

// ClientView is a client as the admin API shows it: its RFC 7591
// metadata as DCR answers it (client.View), how it was registered, and
// its state.
func ClientView(cl client.Client) map[string]any {
	v := client.View(cl)
	v["workspace"] = cl.Workspace
	if id := cl.SoftwareID(); id != "" {
		v["software_id"] = id // the statement's, when the metadata has none
	}
	v["registered_via"] = RegisteredVia(cl)
	v["provenance"] = cl.Provenance
	v["created_at"] = cl.IssuedAt
	v["updated_at"] = cl.UpdatedAt
	v["disabled"] = cl.Disabled()
	if cl.Disabled() {
		v["disabled_at"] = cl.DisabledAt
	}
	if !cl.FirstTokenAt.IsZero() {
		v["first_token_at"] = cl.FirstTokenAt
	}
	return v
}
