package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

const clientColumns = `workspace, id, secret_hash, secret_expires_at, issued_at, updated_at, version, metadata, provenance, origin, registration_token_hash, registration_token_expires_at`

// clientReadColumns are clientColumns and those only the store writes,
// each with a statement of its own (MarkClientUsed), never by an insert or
// an update of the client, which could overwrite them.
const clientReadColumns = clientColumns + `, first_token_at`

func clientArgs(c client.Client) ([]any, error) {
	md, err := jsonText(c.Metadata)
	if err != nil {
		return nil, err
	}
	prov, err := jsonText(c.Provenance)
	if err != nil {
		return nil, err
	}
	return []any{c.Workspace, c.ID, bytesOrNil(c.SecretHash), ts(c.SecretExpiresAt), ts(c.IssuedAt), ts(c.UpdatedAt),
		c.Version, md, prov, c.Provenance.Origin, bytesOrNil(c.RegistrationTokenHash), ts(c.RegistrationTokenExpiresAt)}, nil
}

// clientRow holds a clients row as scanned, so that a statement that
// selects more than a client can scan all its columns at once.
type clientRow struct {
	c                                  client.Client
	secretExp, issued, updated, ratExp sql.NullInt64
	firstToken                         sql.NullInt64
	md, prov, origin                   string
}

func (r *clientRow) dests() []any {
	c := &r.c
	return []any{&c.Workspace, &c.ID, &c.SecretHash, &r.secretExp, &r.issued, &r.updated, &c.Version, &r.md, &r.prov, &r.origin, &c.RegistrationTokenHash, &r.ratExp, &r.firstToken}
}

func (r *clientRow) client(s *Store) (client.Client, error) {
	c := r.c
	c.SecretExpiresAt, c.IssuedAt, c.UpdatedAt, c.RegistrationTokenExpiresAt = fromTS(r.secretExp), fromTS(r.issued), fromTS(r.updated), fromTS(r.ratExp)
	c.FirstTokenAt = fromTS(r.firstToken)
	if err := s.decoded.decode(&c, r.md, r.prov); err != nil {
		return c, fmt.Errorf("client %s metadata: %w", c.ID, err)
	}
	return c, nil
}

func scanClient(row rowScanner, s *Store) (client.Client, error) {
	var r clientRow
	if err := row.Scan(r.dests()...); err != nil {
		return r.c, s.wrap(err)
	}
	return r.client(s)
}

func (s *Store) CreateClient(ctx context.Context, c client.Client) error {
	return s.insertClient(ctx, s.write, c)
}

func (s *Store) insertClient(ctx context.Context, db execer, c client.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, db, `INSERT INTO clients (`+clientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return err
}

func (s *Store) ClientByID(ctx context.Context, ws, id string) (client.Client, error) {
	return scanClient(s.readRow(ctx, `SELECT `+clientReadColumns+` FROM clients WHERE workspace = ? AND id = ?`, ws, id), s)
}

func (s *Store) ListClients(ctx context.Context, ws string, p store.Page) ([]client.Client, error) {
	query := `SELECT ` + clientReadColumns + ` FROM clients WHERE workspace = ?`
	args := []any{ws}
	if p.After != "" {
		query += ` AND (issued_at, id) > (SELECT issued_at, id FROM clients WHERE workspace = ? AND id = ?)`
		args = append(args, ws, p.After)
	}
	query += ` ORDER BY issued_at, id`
	if p.Limit > 0 {
		query += ` LIMIT ` + fmt.Sprint(p.Limit)
	}
	rows, err := s.readRows(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []client.Client
	for rows.Next() {
		c, err := scanClient(rows, s)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, s.wrap(rows.Err())
}

func (s *Store) CountClients(ctx context.Context, ws string) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM clients WHERE workspace = ?`, ws).Scan(&n)
	return n, s.wrap(err)
}

// UpdateClient reads inside the write transaction and writes back only if
// the version is unchanged: an optimistic compare-and-swap that holds
// across nodes.
func (s *Store) UpdateClient(ctx context.Context, ws, id string, fn func(*client.Client) error) (client.Client, error) {
	var out client.Client
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanClient(s.txRow(ctx, tx, `SELECT `+clientReadColumns+` FROM clients WHERE workspace = ? AND id = ?`, ws, id), s)
		if err != nil {
			return err
		}
		next := cur
		if err := fn(&next); err != nil {
			return err
		}
		next.Workspace, next.ID, next.Version = cur.Workspace, cur.ID, cur.Version+1
		args, err := clientArgs(next)
		if err != nil {
			return err
		}
		n, err := s.exec(ctx, tx, `UPDATE clients SET secret_hash = ?, secret_expires_at = ?, issued_at = ?, updated_at = ?, version = ?,
			metadata = ?, provenance = ?, origin = ?, registration_token_hash = ?, registration_token_expires_at = ?
			WHERE workspace = ? AND id = ? AND version = ?`, append(args[2:], ws, id, cur.Version)...)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrConflict
		}
		out = next
		return nil
	})
	return out, err
}

func (s *Store) DeleteClient(ctx context.Context, ws, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.deleteClient(ctx, tx, ws, id, ``)
	})
}

// deleteClient deletes the client if it still meets cond (SQL ANDed to
// the key; "" for none) and what was issued to it; ErrNotFound if no
// client was deleted.
func (s *Store) deleteClient(ctx context.Context, tx *sql.Tx, ws, id, cond string) error {
	n, err := s.exec(ctx, tx, `DELETE FROM clients WHERE workspace = ? AND id = ?`+cond, ws, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM tokens WHERE workspace = ? AND client_id = ?`, ws, id); err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM auth_codes WHERE workspace = ? AND client_id = ?`, ws, id); err != nil {
		return err
	}
	_, err = s.exec(ctx, tx, `DELETE FROM consents WHERE workspace = ? AND client_id = ?`, ws, id)
	return err
}

func (s *Store) MarkClientUsed(ctx context.Context, ws, id string, at time.Time) error {
	_, err := s.exec(ctx, s.write, `UPDATE clients SET first_token_at = ? WHERE workspace = ? AND id = ? AND first_token_at IS NULL`, ts(at), ws, id)
	return err
}

// unusedClient is the condition DeleteUnusedClients selects on and
// deletes under again, so a client issued its first token in between
// is kept.
const unusedClient = ` AND origin = '` + client.OriginDCR + `' AND first_token_at IS NULL`

// unusedClientBatch bounds the clients one call deletes, so that a first
// run over a large backlog holds no lock for long; the next run goes on.
const unusedClientBatch = 1000

func (s *Store) DeleteUnusedClients(ctx context.Context, ws string, registeredBefore time.Time) (int64, error) {
	rows, err := s.readRows(ctx, `SELECT id FROM clients WHERE workspace = ? AND issued_at < ?`+unusedClient+` ORDER BY issued_at LIMIT ?`,
		ws, ts(registeredBefore), unusedClientBatch)
	if err != nil {
		return 0, s.wrap(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, s.wrap(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.wrap(err)
	}
	var n int64
	for _, id := range ids {
		err := s.tx(ctx, func(tx *sql.Tx) error { return s.deleteClient(ctx, tx, ws, id, unusedClient) })
		switch {
		case err == nil:
			n++
		case !errors.Is(err, store.ErrNotFound):
			return n, err
		}
	}
	return n, nil
}
