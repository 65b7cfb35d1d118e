package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

const tokenColumns = `workspace, id, kind, format, hash, client_id, subject, scope, audience, grant_id, issued_at, expires_at, revoked_at, auth_time, grant_expires_at, cert_thumbprint`

func tokenArgs(t store.Token) ([]any, error) {
	aud, err := jsonText(t.Audience)
	if err != nil {
		return nil, err
	}
	return []any{t.Workspace, t.ID, t.Kind, t.Format, bytesOrNil(t.Hash), t.ClientID, t.Subject, t.Scope, aud, t.GrantID,
		ts(t.IssuedAt), ts(t.ExpiresAt), ts(t.RevokedAt), ts(t.AuthTime), ts(t.GrantExpiresAt), t.CertThumbprint}, nil
}

// tokenRow holds a tokens row as scanned (see clientRow).
type tokenRow struct {
	t                                 store.Token
	aud                               string
	issued, exp, revoked, auth, grant sql.NullInt64
}

func (r *tokenRow) dests() []any {
	t := &r.t
	return []any{&t.Workspace, &t.ID, &t.Kind, &t.Format, &t.Hash, &t.ClientID, &t.Subject, &t.Scope, &r.aud, &t.GrantID,
		&r.issued, &r.exp, &r.revoked, &r.auth, &r.grant, &t.CertThumbprint}
}

func (r *tokenRow) token() (store.Token, error) {
	t := r.t
	t.IssuedAt, t.ExpiresAt, t.RevokedAt = fromTS(r.issued), fromTS(r.exp), fromTS(r.revoked)
	t.AuthTime, t.GrantExpiresAt = fromTS(r.auth), fromTS(r.grant)
	return t, json.Unmarshal([]byte(r.aud), &t.Audience)
}

func scanToken(row rowScanner, s *Store) (store.Token, error) {
	var r tokenRow
	if err := row.Scan(r.dests()...); err != nil {
		return r.t, s.wrap(err)
	}
	return r.token()
}

// tokenValues is one row of tokenColumns' placeholders.
const tokenValues = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const insertToken = `INSERT INTO tokens (` + tokenColumns + `) VALUES ` + tokenValues

// CreateToken goes through the group commit: opaque tokens are written on
// every token request.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	return s.batched(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.insertTokens(ctx, tx, []store.Token{t}, "") })
}

// insertTokens inserts ts (the tokens of one grant) with one statement: a
// code redemption or a refresh stores two, and on PostgreSQL each
// statement is a round trip inside the group commit, which every other
// writer waits for. suffix may add an ON CONFLICT clause; a row it left
// out is ErrConflict.
func (s *Store) insertTokens(ctx context.Context, db execer, ts []store.Token, suffix string) error {
	if len(ts) == 0 {
		return nil
	}
	var args []any
	for _, t := range ts {
		a, err := tokenArgs(t)
		if err != nil {
			return err
		}
		args = append(args, a...)
	}
	n, err := s.exec(ctx, db, insertToken+strings.Repeat(`, `+tokenValues, len(ts)-1)+suffix, args...)
	if err == nil && n != int64(len(ts)) {
		return store.ErrConflict
	}
	return err
}

func (s *Store) TokenByHash(ctx context.Context, ws string, hash []byte) (store.Token, error) {
	return scanToken(s.readRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = ? AND workspace = ?`, hash, ws), s)
}

func (s *Store) TokenByID(ctx context.Context, ws, id string) (store.Token, error) {
	return scanToken(s.readRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE workspace = ? AND id = ?`, ws, id), s)
}

// clientWithTokenRecord selects a client's columns and three of the
// token's: its id (NULL when it has no record), revocation time and
// subject.
var clientWithTokenRecord = `SELECT ` + qualified("c", clientReadColumns) + `, t.id, t.revoked_at, t.subject
	FROM clients c LEFT JOIN tokens t ON t.workspace = c.workspace AND t.id = ?
	WHERE c.workspace = ? AND c.id = ?`

func (s *Store) ClientWithTokenRecord(ctx context.Context, ws, clientID, tokenID string) (client.Client, store.TokenRecord, error) {
	var r clientRow
	var id, subject sql.NullString
	var revoked sql.NullInt64
	row := s.readRow(ctx, clientWithTokenRecord, tokenID, ws, clientID)
	if err := row.Scan(append(r.dests(), &id, &revoked, &subject)...); err != nil {
		return client.Client{}, store.TokenRecord{}, s.wrap(err)
	}
	c, err := r.client(s)
	if err != nil {
		return c, store.TokenRecord{}, err
	}
	return c, store.TokenRecord{Exists: id.Valid, RevokedAt: fromTS(revoked), Subject: subject.String}, nil
}

// clientWithTokenByHash joins a client to the token with a keyed hash. The
// token's NOT NULL text columns are coalesced, so that a missing token
// scans as a zero Token (its id "") where the join found none.
var clientWithTokenByHash = `SELECT ` + qualified("c", clientReadColumns) + `, ` + tokenColumnsOrZero() + `
	FROM clients c LEFT JOIN tokens t ON t.hash = ? AND t.workspace = c.workspace
	WHERE c.workspace = ? AND c.id = ?`

func (s *Store) ClientWithTokenByHash(ctx context.Context, ws, clientID string, hash []byte) (client.Client, store.Token, bool, error) {
	var cr clientRow
	var tr tokenRow
	row := s.readRow(ctx, clientWithTokenByHash, hash, ws, clientID)
	if err := row.Scan(append(cr.dests(), tr.dests()...)...); err != nil {
		return client.Client{}, store.Token{}, false, s.wrap(err)
	}
	c, err := cr.client(s)
	if err != nil || tr.t.ID == "" {
		return c, store.Token{}, false, err
	}
	t, err := tr.token()
	return c, t, err == nil, err
}

// qualified prefixes each of a comma-separated list of columns with table.
func qualified(table, columns string) string {
	names := strings.Split(columns, ", ")
	for i, n := range names {
		names[i] = table + "." + n
	}
	return strings.Join(names, ", ")
}

// tokenColumnsOrZero is tokenColumns of t for a LEFT JOIN (see
// clientWithTokenByHash), read as TokenJoinColumns says.
func tokenColumnsOrZero() string {
	var exprs []string
	for _, c := range TokenJoinColumns() {
		if c.Coalesced {
			exprs = append(exprs, "coalesce(t."+c.Name+", '"+c.Zero+"')")
		} else {
			exprs = append(exprs, "t."+c.Name)
		}
	}
	return strings.Join(exprs, ", ")
}

// JoinColumn is how a LEFT JOIN reads one column of a table where it found
// no row: NULL, or the text literal Zero when Coalesced.
type JoinColumn struct {
	Name      string
	Coalesced bool
	Zero      string
}

// TokenJoinColumns says how tokenColumnsOrZero reads each of
// tokenColumns, from what tokenRow scans it into: NULL stays NULL where the
// destination takes it (sql.NullInt64, []byte); a string reads as the empty
// text (the audience, JSON, as null). A destination that takes neither
// panics when the package loads. Exported for the backends' tests, which
// check it against the schema their migrations make (storetest.CheckTokenJoin).
func TokenJoinColumns() []JoinColumn {
	var r tokenRow
	names, dests := strings.Split(tokenColumns, ", "), r.dests()
	if len(names) != len(dests) {
		panic("sqlstore: tokenColumns and tokenRow.dests differ in length")
	}
	cols := make([]JoinColumn, len(names))
	for i, d := range dests {
		cols[i].Name = names[i]
		switch d.(type) {
		case sql.Scanner, *[]byte:
		case *string:
			cols[i].Coalesced = true
			if d == any(&r.aud) {
				cols[i].Zero = "null"
			}
		default:
			panic(fmt.Sprintf("sqlstore: tokens.%s scans into %T, which takes no NULL and has no text zero", names[i], d))
		}
	}
	return cols
}

func (s *Store) RevokeToken(ctx context.Context, ws, id string, at time.Time, rec *store.Token) error {
	if rec != nil {
		r := *rec
		r.Workspace, r.ID, r.RevokedAt = ws, id, at
		args, err := tokenArgs(r)
		if err != nil {
			return err
		}
		// Keep an earlier revocation time: revoking is idempotent.
		_, err = s.exec(ctx, s.write, insertToken+` ON CONFLICT (workspace, id) DO UPDATE SET revoked_at = COALESCE(tokens.revoked_at, excluded.revoked_at)`, args...)
		return err
	}
	n, err := s.exec(ctx, s.write, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE workspace = ? AND id = ?`, ts(at), ws, id)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

func (s *Store) RevokeGrant(ctx context.Context, ws, grantID string, at time.Time) (int64, error) {
	return s.exec(ctx, s.write, `UPDATE tokens SET revoked_at = ? WHERE workspace = ? AND grant_id = ? AND revoked_at IS NULL`, ts(at), ws, grantID)
}

func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.exec(ctx, s.write, `DELETE FROM tokens WHERE expires_at < ?`, ts(before))
	if err != nil {
		return n, err
	}
	// Codes, sessions, used requests and kept registration answers past
	// their lifetime are dead weight too (each is refused on its own once
	// expired).
	for _, table := range []string{"auth_codes", "sessions", "used_requests", "registration_replays"} {
		if _, err := s.exec(ctx, s.write, `DELETE FROM `+table+` WHERE expires_at < ?`, ts(before)); err != nil {
			return n, err
		}
	}
	return n, nil
}
