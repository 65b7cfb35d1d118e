package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

const iatColumns = `workspace, id, hash, description, max_uses, uses, created_at, expires_at, revoked_at`

func (s *Store) CreateInitialAccessToken(ctx context.Context, t store.InitialAccessToken) error {
	_, err := s.exec(ctx, s.write, `INSERT INTO initial_access_tokens (`+iatColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Workspace, t.ID, t.Hash, t.Description, t.MaxUses, t.Uses, ts(t.CreatedAt), ts(t.ExpiresAt), ts(t.RevokedAt))
	return err
}

func scanIAT(row rowScanner, s *Store) (store.InitialAccessToken, error) {
	var t store.InitialAccessToken
	var created, exp, revoked sql.NullInt64
	if err := row.Scan(&t.Workspace, &t.ID, &t.Hash, &t.Description, &t.MaxUses, &t.Uses, &created, &exp, &revoked); err != nil {
		return t, s.wrap(err)
	}
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = fromTS(created), fromTS(exp), fromTS(revoked)
	return t, nil
}

func (s *Store) InitialAccessTokenByHash(ctx context.Context, ws string, hash []byte) (store.InitialAccessToken, error) {
	return scanIAT(s.readRow(ctx, `SELECT `+iatColumns+` FROM initial_access_tokens WHERE hash = ? AND workspace = ?`, hash, ws), s)
}

func (s *Store) ListInitialAccessTokens(ctx context.Context, ws string) ([]store.InitialAccessToken, error) {
	rows, err := s.readRows(ctx, `SELECT `+iatColumns+` FROM initial_access_tokens WHERE workspace = ? ORDER BY created_at DESC, id`, ws)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []store.InitialAccessToken
	for rows.Next() {
		t, err := scanIAT(rows, s)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, s.wrap(rows.Err())
}

func (s *Store) RevokeInitialAccessToken(ctx context.Context, ws, id string, at time.Time) error {
	n, err := s.exec(ctx, s.write, `UPDATE initial_access_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE workspace = ? AND id = ?`, ts(at), ws, id)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// RegisterClient consumes the credential, inserts the client and the audit
// event in one transaction. Each consumption is a single conditional
// statement, so of concurrent requests exactly one can succeed.
func (s *Store) RegisterClient(ctx context.Context, c client.Client, use store.CredentialUse, event store.AuditEvent, maxClients int) error {
	return s.batched(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.registerClient(ctx, tx, c, use, event, maxClients)
	})
}

// RegisterClientReplayable is RegisterClient keeping r with the client:
// a commit whose acknowledgement is lost has kept the answer too. A key
// whose replay has expired is free again: its row is overwritten here, and
// expired rows are otherwise collected in the background
// (DeleteExpiredTokens), not by each registration.
func (s *Store) RegisterClientReplayable(ctx context.Context, c client.Client, use store.CredentialUse, event store.AuditEvent, maxClients int, r store.Replay) error {
	return s.batched(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.registerClient(ctx, tx, c, use, event, maxClients); err != nil {
			return err
		}
		n, err := s.exec(ctx, tx, `INSERT INTO registration_replays (workspace, key_hash, request_hash, response, expires_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (workspace, key_hash) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response, expires_at = excluded.expires_at
			WHERE registration_replays.expires_at <= ?`,
			r.Workspace, r.KeyHash, r.RequestHash, r.Response, ts(r.ExpiresAt), ts(event.At))
		if err == nil && n == 0 {
			err = fmt.Errorf("%w: idempotency key already holds an answer", store.ErrConflict)
		}
		return err
	})
}

func (s *Store) registerClient(ctx context.Context, tx *sql.Tx, c client.Client, use store.CredentialUse, event store.AuditEvent, maxClients int) error {
	if err := s.checkClientQuota(ctx, tx, c.Workspace, maxClients); err != nil {
		return err
	}
	if err := s.consume(ctx, tx, c.Workspace, use); err != nil {
		return err
	}
	if err := s.insertClient(ctx, tx, c); err != nil {
		return err
	}
	return s.insertAudit(ctx, tx, event)
}

// checkClientQuota returns ErrLimitReached when ws holds maxClients
// clients or more (0: no quota). The count stops at maxClients, so its
// cost is bounded by the quota, not by the table.
func (s *Store) checkClientQuota(ctx context.Context, tx *sql.Tx, ws string, maxClients int) error {
	if maxClients <= 0 {
		return nil
	}
	var n int
	err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM (SELECT 1 FROM clients WHERE workspace = ? LIMIT ?) AS held`, ws, maxClients).Scan(&n)
	if err != nil {
		return s.wrap(err)
	}
	if n >= maxClients {
		return store.ErrLimitReached
	}
	return nil
}

func (s *Store) Replay(ctx context.Context, ws string, keyHash []byte, now time.Time) (store.Replay, error) {
	r := store.Replay{Workspace: ws, KeyHash: keyHash}
	var exp sql.NullInt64
	err := s.readRow(ctx, `SELECT request_hash, response, expires_at FROM registration_replays WHERE workspace = ? AND key_hash = ? AND expires_at > ?`,
		ws, keyHash, ts(now)).Scan(&r.RequestHash, &r.Response, &exp)
	r.ExpiresAt = fromTS(exp)
	return r, s.wrap(err)
}

func (s *Store) consume(ctx context.Context, tx *sql.Tx, ws string, use store.CredentialUse) error {
	var n int64
	var err error
	switch use.Kind {
	case store.CredentialNone:
		return nil
	case store.CredentialInitialAccessToken:
		n, err = s.exec(ctx, tx, `UPDATE initial_access_tokens SET uses = uses + 1
			WHERE workspace = ? AND id = ? AND revoked_at IS NULL AND expires_at > ? AND (max_uses = 0 OR uses < max_uses)`,
			ws, use.ID, ts(use.At))
	case store.CredentialAccessToken:
		if use.Token != nil {
			rec := *use.Token
			rec.RevokedAt = use.At
			// A JWT joins the table consumed; a second use finds its row.
			err = s.insertTokens(ctx, tx, []store.Token{rec}, ` ON CONFLICT (workspace, id) DO NOTHING`)
			if err == nil {
				return nil
			}
			return err
		}
		n, err = s.exec(ctx, tx, `UPDATE tokens SET revoked_at = ?
			WHERE workspace = ? AND id = ? AND revoked_at IS NULL AND expires_at > ?`, ts(use.At), ws, use.ID, ts(use.At))
	default:
		return store.ErrConflict
	}
	if err == nil && n == 0 {
		return store.ErrConflict
	}
	return err
}

func (s *Store) insertAudit(ctx context.Context, db execer, e store.AuditEvent) error {
	_, err := s.exec(ctx, db, `INSERT INTO audit_events (workspace, id, at, action, outcome, client_id, reason, credential, remote_addr)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Workspace, e.ID, ts(e.At), e.Action, e.Outcome, e.ClientID, e.Reason, e.Credential, e.RemoteAddr)
	return err
}

func (s *Store) AddAuditEvent(ctx context.Context, e store.AuditEvent) error {
	return s.insertAudit(ctx, s.write, e)
}

// auditPruneBatch bounds the rows one statement deletes, so retention
// catching up on a large trail never holds the write lock for long.
const auditPruneBatch = 5000

func (s *Store) DeleteAuditEventsBefore(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		n, err := s.exec(ctx, s.write, `DELETE FROM audit_events WHERE (workspace, id) IN
			(SELECT workspace, id FROM audit_events WHERE at < ? LIMIT ?)`, ts(before), auditPruneBatch)
		total += n
		if err != nil || n < auditPruneBatch {
			return total, err
		}
	}
}

func (s *Store) ListAuditEvents(ctx context.Context, ws string, limit int) ([]store.AuditEvent, error) {
	query := `SELECT ` + auditColumns + ` FROM audit_events WHERE workspace = ? ORDER BY at DESC, id DESC`
	args := []any{ws}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	return listRows(ctx, s, func(r rowScanner) (store.AuditEvent, error) { return scanAudit(r, s) }, query, args...)
}
