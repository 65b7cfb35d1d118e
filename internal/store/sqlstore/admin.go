package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

const adminTokenColumns = `id, name, hash, created_at, expires_at, last_used_at, revoked_at`

func (s *Store) CreateAdminToken(ctx context.Context, t store.AdminToken) error {
	_, err := s.exec(ctx, s.write, `INSERT INTO admin_tokens (`+adminTokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Name, t.Hash, ts(t.CreatedAt), ts(t.ExpiresAt), ts(t.LastUsedAt), ts(t.RevokedAt))
	return err
}

func scanAdminToken(row rowScanner, s *Store) (store.AdminToken, error) {
	var t store.AdminToken
	var created, expires, used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &created, &expires, &used, &revoked); err != nil {
		return t, s.wrap(err)
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromTS(created), fromTS(expires), fromTS(used), fromTS(revoked)
	return t, nil
}

func (s *Store) AdminTokenByHash(ctx context.Context, hash []byte) (store.AdminToken, error) {
	return scanAdminToken(s.readRow(ctx, `SELECT `+adminTokenColumns+` FROM admin_tokens WHERE hash = ?`, hash), s)
}

func (s *Store) ListAdminTokens(ctx context.Context) ([]store.AdminToken, error) {
	return listRows(ctx, s, func(r rowScanner) (store.AdminToken, error) { return scanAdminToken(r, s) },
		`SELECT `+adminTokenColumns+` FROM admin_tokens ORDER BY created_at DESC, id DESC`)
}

func (s *Store) RevokeAdminToken(ctx context.Context, id string, at time.Time) error {
	n, err := s.exec(ctx, s.write, `UPDATE admin_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, ts(at), id)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

func (s *Store) TouchAdminToken(ctx context.Context, id string, at time.Time, every time.Duration) error {
	_, err := s.exec(ctx, s.write, `UPDATE admin_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		ts(at), id, ts(at.Add(-every)))
	return err
}

// listRows runs a read query and scans every row with scan.
func listRows[T any](ctx context.Context, s *Store, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.readRows(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, s.wrap(rows.Err())
}

// conditions gathers the ANDed terms of a WHERE clause and their args.
type conditions struct {
	terms []string
	args  []any
}

func (c *conditions) add(term string, args ...any) {
	c.terms = append(c.terms, term)
	c.args = append(c.args, args...)
}

func (c *conditions) where() string { return ` WHERE ` + strings.Join(c.terms, ` AND `) }

// likeEscaper makes a search text literal in a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchClients pages newest first with a keyset on (issued_at, id), so a
// page costs the same however deep it is; clients_by_origin,
// clients_by_software and clients_by_issued serve the filters. A text
// search walks the index newest first and stops at the page's end.
func (s *Store) SearchClients(ctx context.Context, ws string, q store.ClientSearch) ([]client.Client, error) {
	var c conditions
	c.add(`workspace = ?`, ws)
	switch len(q.Origins) {
	case 0:
	case 1:
		c.add(`origin = ?`, q.Origins[0])
	default:
		c.add(`origin IN (?`+strings.Repeat(`, ?`, len(q.Origins)-1)+`)`, anys(q.Origins)...)
	}
	if q.SoftwareID != "" {
		c.add(`software_id = ?`, q.SoftwareID)
	}
	if !q.IssuedAfter.IsZero() {
		c.add(`issued_at > ?`, ts(q.IssuedAfter))
	}
	if q.Text != "" {
		c.add(`search_text LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(q.Text)+"%")
	}
	if q.After != nil {
		c.add(`(issued_at < ? OR (issued_at = ? AND id < ?))`, ts(q.After.IssuedAt), ts(q.After.IssuedAt), q.After.ID)
	}
	query := `SELECT ` + clientReadColumns + ` FROM clients` + c.where() + ` ORDER BY issued_at DESC, id DESC LIMIT ?`
	return listRows(ctx, s, func(r rowScanner) (client.Client, error) { return scanClient(r, s) }, query, append(c.args, q.Limit)...)
}

const auditColumns = `workspace, id, at, action, outcome, client_id, reason, credential, remote_addr`

func scanAudit(row rowScanner, s *Store) (store.AuditEvent, error) {
	var e store.AuditEvent
	var at sql.NullInt64
	if err := row.Scan(&e.Workspace, &e.ID, &at, &e.Action, &e.Outcome, &e.ClientID, &e.Reason, &e.Credential, &e.RemoteAddr); err != nil {
		return e, s.wrap(err)
	}
	e.At = fromTS(at)
	return e, nil
}

func (s *Store) SearchAuditEvents(ctx context.Context, ws string, q store.AuditSearch) ([]store.AuditEvent, error) {
	var c conditions
	c.add(`workspace = ?`, ws)
	if q.Action != "" {
		c.add(`action = ?`, q.Action)
	}
	if q.ClientID != "" {
		c.add(`client_id = ?`, q.ClientID)
	}
	if !q.Since.IsZero() {
		c.add(`at >= ?`, ts(q.Since))
	}
	if !q.Until.IsZero() {
		c.add(`at < ?`, ts(q.Until))
	}
	if q.After != nil {
		c.add(`(at < ? OR (at = ? AND id < ?))`, ts(q.After.At), ts(q.After.At), q.After.ID)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_events` + c.where() + ` ORDER BY at DESC, id DESC LIMIT ?`
	return listRows(ctx, s, func(r rowScanner) (store.AuditEvent, error) { return scanAudit(r, s) }, query, append(c.args, q.Limit)...)
}

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}
