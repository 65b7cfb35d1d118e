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

const clientColumns = `workspace, id, secret_hash, secret_expires_at, issued_at, updated_at, version, metadata, provenance, origin, registration_token_hash, registration_token_expires_at, previous_registration_token_hash, previous_registration_token_expires_at, sealed_secret, disabled_at`

// clientWriteColumns are clientColumns and what the operator's list
// filters and searches on, derived from the client when it is written
// and never read back.
const clientWriteColumns = clientColumns + `, software_id, search_text`

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
		c.Version, md, prov, c.Provenance.Origin, bytesOrNil(c.RegistrationTokenHash), ts(c.RegistrationTokenExpiresAt),
		bytesOrNil(c.PreviousRegistrationTokenHash), ts(c.PreviousRegistrationTokenExpiresAt), bytesOrNil(c.SealedSecret), ts(c.DisabledAt),
		c.SoftwareID(), c.SearchText()}, nil
}

// clientRow holds a clients row as scanned, so that a statement that
// selects more than a client can scan all its columns at once.
type clientRow struct {
	c                                           client.Client
	secretExp, issued, updated, ratExp, prevExp sql.NullInt64
	firstToken, disabled                        sql.NullInt64
	md, prov, origin                            string
}

func (r *clientRow) dests() []any {
	c := &r.c
	return []any{&c.Workspace, &c.ID, &c.SecretHash, &r.secretExp, &r.issued, &r.updated, &c.Version, &r.md, &r.prov, &r.origin, &c.RegistrationTokenHash, &r.ratExp, &c.PreviousRegistrationTokenHash, &r.prevExp, &c.SealedSecret, &r.disabled, &r.firstToken}
}

func (r *clientRow) client(s *Store) (client.Client, error) {
	c := r.c
	c.SecretExpiresAt, c.IssuedAt, c.UpdatedAt, c.RegistrationTokenExpiresAt = fromTS(r.secretExp), fromTS(r.issued), fromTS(r.updated), fromTS(r.ratExp)
	c.PreviousRegistrationTokenExpiresAt = fromTS(r.prevExp)
	c.FirstTokenAt, c.DisabledAt = fromTS(r.firstToken), fromTS(r.disabled)
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
	_, err = s.exec(ctx, db, `INSERT INTO clients (`+clientWriteColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
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

// UpdateClient is ManageClient with no audit event, every change written.
func (s *Store) UpdateClient(ctx context.Context, ws, id string, fn func(*client.Client) error) (client.Client, error) {
	return s.ManageClient(ctx, ws, id, func(c *client.Client) (store.ClientChange, store.AuditEvent, error) {
		return store.ClientUpdated, store.AuditEvent{}, fn(c)
	})
}

// ManageClient reads inside the write transaction and writes back or
// deletes only if the version is unchanged: an optimistic compare-and-swap
// that holds across nodes (under READ COMMITTED a concurrent writer's
// commit makes the conditional statement match no row).
func (s *Store) ManageClient(ctx context.Context, ws, id string, fn func(*client.Client) (store.ClientChange, store.AuditEvent, error)) (client.Client, error) {
	var out client.Client
	err := s.tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanClient(s.txRow(ctx, tx, `SELECT `+clientReadColumns+` FROM clients WHERE workspace = ? AND id = ?`, ws, id), s)
		if err != nil {
			return err
		}
		next := cur
		change, event, err := fn(&next)
		if err != nil {
			return err
		}
		out = cur
		switch change {
		case store.ClientUpdated:
			next.Workspace, next.ID, next.Version = cur.Workspace, cur.ID, cur.Version+1
			err = s.rewriteClient(ctx, tx, next, cur.Version)
			out = next
		case store.ClientDeleted:
			err = s.deleteClient(ctx, tx, ws, id, store.ErrConflict, ` AND version = ?`, cur.Version)
		}
		if err == nil && event.ID != "" {
			err = s.insertAudit(ctx, tx, event)
		}
		return err
	})
	s.clientChanged(ws, id)
	return out, err
}

// rewriteClient writes c over the row still at version; ErrConflict if
// it moved on.
func (s *Store) rewriteClient(ctx context.Context, tx *sql.Tx, c client.Client, version int64) error {
	args, err := clientArgs(c)
	if err != nil {
		return err
	}
	n, err := s.exec(ctx, tx, `UPDATE clients SET secret_hash = ?, secret_expires_at = ?, issued_at = ?, updated_at = ?, version = ?,
		metadata = ?, provenance = ?, origin = ?, registration_token_hash = ?, registration_token_expires_at = ?,
		previous_registration_token_hash = ?, previous_registration_token_expires_at = ?, sealed_secret = ?,
		disabled_at = ?, software_id = ?, search_text = ?
		WHERE workspace = ? AND id = ? AND version = ?`, append(args[2:], c.Workspace, c.ID, version)...)
	if err == nil && n == 0 {
		return store.ErrConflict
	}
	return err
}

func (s *Store) DeleteClient(ctx context.Context, ws, id string) error {
	defer s.clientChanged(ws, id)
	return s.tx(ctx, func(tx *sql.Tx) error { return s.deleteClient(ctx, tx, ws, id, store.ErrNotFound, ``) })
}

// deleteClient deletes the client if it still meets cond (SQL ANDed to
// the key, with its args; "" for none) and what was issued to it; missing
// if no client was deleted.
func (s *Store) deleteClient(ctx context.Context, tx *sql.Tx, ws, id string, missing error, cond string, condArgs ...any) error {
	n, err := s.exec(ctx, tx, `DELETE FROM clients WHERE workspace = ? AND id = ?`+cond, append([]any{ws, id}, condArgs...)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return missing
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
	s.clientChanged(ws, id)
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
		err := s.tx(ctx, func(tx *sql.Tx) error { return s.deleteClient(ctx, tx, ws, id, store.ErrNotFound, unusedClient) })
		s.clientChanged(ws, id)
		switch {
		case err == nil:
			n++
		case !errors.Is(err, store.ErrNotFound):
			return n, err
		}
	}
	return n, nil
}
