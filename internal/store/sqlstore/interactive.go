package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
)

// --- users ---

const userColumns = `workspace, id, username, email, email_verified, name, given_name, family_name, password_hash, created_at, updated_at`

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Store) CreateUser(ctx context.Context, u user.User) error {
	_, err := s.exec(ctx, s.write, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Workspace, u.ID, u.Username, u.Email, boolInt(u.EmailVerified), u.Name, u.GivenName, u.FamilyName, u.PasswordHash,
		ts(u.CreatedAt), ts(u.UpdatedAt))
	return err
}

func scanUser(row rowScanner, s *Store) (user.User, error) {
	var u user.User
	var verified int
	var created, updated sql.NullInt64
	if err := row.Scan(&u.Workspace, &u.ID, &u.Username, &u.Email, &verified, &u.Name, &u.GivenName, &u.FamilyName, &u.PasswordHash, &created, &updated); err != nil {
		return u, s.wrap(err)
	}
	u.EmailVerified = verified != 0
	u.CreatedAt, u.UpdatedAt = fromTS(created), fromTS(updated)
	return u, nil
}

func (s *Store) UserByUsername(ctx context.Context, ws, username string) (user.User, error) {
	return scanUser(s.readRow(ctx, `SELECT `+userColumns+` FROM users WHERE workspace = ? AND username = ?`, ws, username), s)
}

func (s *Store) UserByID(ctx context.Context, ws, id string) (user.User, error) {
	return scanUser(s.readRow(ctx, `SELECT `+userColumns+` FROM users WHERE workspace = ? AND id = ?`, ws, id), s)
}

func (s *Store) ListUsers(ctx context.Context, ws string) ([]user.User, error) {
	rows, err := s.readRows(ctx, `SELECT `+userColumns+` FROM users WHERE workspace = ? ORDER BY username`, ws)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []user.User
	for rows.Next() {
		u, err := scanUser(rows, s)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, s.wrap(rows.Err())
}

// SetUserPassword changes the hash and, in the same transaction, ends what
// was signed in with the old password: the sessions and codes go as with
// DeleteUser, and the tokens issued to the user are revoked rather than
// deleted, as the user stays (a refresh then says "revoked").
func (s *Store) SetUserPassword(ctx context.Context, ws, id, hash string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		err := s.changeUser(ctx, tx, ws, id, `UPDATE users SET password_hash = ?, updated_at = ? WHERE workspace = ? AND id = ?`, hash, ts(at))
		if err != nil {
			return err
		}
		// subject <> client_id: a user's tokens, by index tokens_by_user.
		_, err = s.exec(ctx, tx, `UPDATE tokens SET revoked_at = ? WHERE workspace = ? AND subject = ? AND subject <> client_id AND revoked_at IS NULL`, ts(at), ws, id)
		return err
	})
}

func (s *Store) DeleteUser(ctx context.Context, ws, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.changeUser(ctx, tx, ws, id, `DELETE FROM users WHERE workspace = ? AND id = ?`); err != nil {
			return err
		}
		return s.execForUser(ctx, tx, ws, id,
			`DELETE FROM consents WHERE workspace = ? AND user_id = ?`,
			// subject <> client_id: a user's tokens, by index tokens_by_user.
			`DELETE FROM tokens WHERE workspace = ? AND subject = ? AND subject <> client_id`)
	})
}

// changeUser runs change, a statement on the user id of ws whose last
// arguments are the workspace and id, after args (ErrNotFound if it
// touches no row), and ends the user's sign-ins: their browser sessions
// and authorization codes go, so no browser stays signed in and no code
// issued before is redeemed. It runs in the caller's transaction.
//
// The order matters on PostgreSQL (READ COMMITTED), where each statement
// sees what committed before it started: the user row first, which a
// session being created and a refresh being rotated share-lock, then the
// sessions, which a code being created share-locks, then the codes and
// tokens. A write that got its lock first makes the next statement here
// wait until it has committed, so the statement after that sees it.
func (s *Store) changeUser(ctx context.Context, tx *sql.Tx, ws, id, change string, args ...any) error {
	n, err := s.exec(ctx, tx, change, append(args, ws, id)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return s.execForUser(ctx, tx, ws, id,
		`DELETE FROM sessions WHERE workspace = ? AND user_id = ?`,
		`DELETE FROM auth_codes WHERE workspace = ? AND user_id = ?`)
}

// execForUser runs each query, whose arguments are the workspace and a
// user id, in tx.
func (s *Store) execForUser(ctx context.Context, tx *sql.Tx, ws, id string, queries ...string) error {
	for _, q := range queries {
		if _, err := s.exec(ctx, tx, q, ws, id); err != nil {
			return err
		}
	}
	return nil
}

// --- sessions ---

// CreateSession inserts se only while its user still has the password hash
// that was verified: a password change or a deletion that commits while
// the password is being checked (argon2id takes a good fraction of a
// second) then leaves no session behind. The condition is part of the
// insert, in the write transaction, so it holds against a change on any
// node: on PostgreSQL the share lock makes the insert wait for a change in
// progress and then see its outcome, or makes the change wait for this
// insert, which the change's DELETE of the user's sessions then sees.
func (s *Store) CreateSession(ctx context.Context, se store.Session, passwordHash string) error {
	amr, err := jsonText(se.AMR)
	if err != nil {
		return err
	}
	return s.batchedFlow(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.insertIfExists(ctx, tx, `INSERT INTO sessions (workspace, id, hash, user_id, auth_time, amr, expires_at) SELECT ?, ?, ?, ?, ?, ?, ?`,
			`SELECT 1 FROM users WHERE workspace = ? AND id = ? AND password_hash = ?`,
			se.Workspace, se.ID, se.Hash, se.UserID, ts(se.AuthTime), amr, ts(se.ExpiresAt), se.Workspace, se.UserID, passwordHash)
	})
}

// insertIfExists runs insert, an INSERT … SELECT, only where the row that
// condition selects exists, locking it for the rest of tx (see
// Dialect.ShareLock); args are both statements' arguments in order.
// ErrNotFound when the row is not there: nothing was inserted.
func (s *Store) insertIfExists(ctx context.Context, tx *sql.Tx, insert, condition string, args ...any) error {
	n, err := s.exec(ctx, tx, insert+` WHERE EXISTS (`+condition+s.dialect.ShareLock+`)`, args...)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

func (s *Store) SessionByHash(ctx context.Context, ws string, hash []byte) (store.Session, error) {
	var se store.Session
	var amr string
	var auth, exp sql.NullInt64
	err := s.readRow(ctx, `SELECT workspace, id, hash, user_id, auth_time, amr, expires_at FROM sessions WHERE hash = ? AND workspace = ?`, hash, ws).
		Scan(&se.Workspace, &se.ID, &se.Hash, &se.UserID, &auth, &amr, &exp)
	if err != nil {
		return se, s.wrap(err)
	}
	se.AuthTime, se.ExpiresAt = fromTS(auth), fromTS(exp)
	return se, json.Unmarshal([]byte(amr), &se.AMR)
}

func (s *Store) DeleteSession(ctx context.Context, ws, id string) error {
	_, err := s.exec(ctx, s.write, `DELETE FROM sessions WHERE workspace = ? AND id = ?`, ws, id)
	return err
}

// --- authorization codes ---

const codeColumns = `workspace, id, hash, client_id, user_id, redirect_uri, scope, resources, nonce, code_challenge, code_challenge_method, auth_time, amr, grant_id, issued_at, expires_at, used_at`

// CreateAuthCode inserts c only while the session it was issued from
// still exists, as CreateSession does for its user's password: a code
// issued just after a password change or a sign-out ended that session
// would otherwise outlive it. changeUser deletes the sessions before the
// codes, so on PostgreSQL an insert that locked the session first is seen
// by the change's DELETE of the codes, which runs after it committed.
func (s *Store) CreateAuthCode(ctx context.Context, c store.AuthCode, sessionID string) error {
	res, err := jsonText(c.Resources)
	if err != nil {
		return err
	}
	amr, err := jsonText(c.AMR)
	if err != nil {
		return err
	}
	return s.batchedFlow(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return s.insertIfExists(ctx, tx, `INSERT INTO auth_codes (`+codeColumns+`) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`,
			`SELECT 1 FROM sessions WHERE workspace = ? AND id = ?`,
			c.Workspace, c.ID, c.Hash, c.ClientID, c.UserID, c.RedirectURI, c.Scope, res, c.Nonce, c.CodeChallenge, c.CodeChallengeMethod,
			ts(c.AuthTime), amr, c.GrantID, ts(c.IssuedAt), ts(c.ExpiresAt), ts(c.UsedAt), c.Workspace, sessionID)
	})
}

func scanCode(row rowScanner, s *Store) (store.AuthCode, error) {
	var c store.AuthCode
	var res, amr string
	var auth, issued, exp, used sql.NullInt64
	err := row.Scan(&c.Workspace, &c.ID, &c.Hash, &c.ClientID, &c.UserID, &c.RedirectURI, &c.Scope, &res, &c.Nonce, &c.CodeChallenge,
		&c.CodeChallengeMethod, &auth, &amr, &c.GrantID, &issued, &exp, &used)
	if err != nil {
		return c, s.wrap(err)
	}
	c.AuthTime, c.IssuedAt, c.ExpiresAt, c.UsedAt = fromTS(auth), fromTS(issued), fromTS(exp), fromTS(used)
	if err := json.Unmarshal([]byte(res), &c.Resources); err != nil {
		return c, err
	}
	return c, json.Unmarshal([]byte(amr), &c.AMR)
}

func (s *Store) AuthCodeByHash(ctx context.Context, ws string, hash []byte) (store.AuthCode, error) {
	return scanCode(s.readRow(ctx, `SELECT `+codeColumns+` FROM auth_codes WHERE hash = ? AND workspace = ?`, hash, ws), s)
}

// UseAuthCode marks the code used with one conditional update. Only when
// that update finds nothing does it look again, to tell a code used already
// (ErrConflict) from one that is not there (ErrNotFound); a redemption
// that succeeds reads nothing back inside the write transaction.
func (s *Store) UseAuthCode(ctx context.Context, ws string, hash []byte, at time.Time, issued []store.Token) error {
	return s.batchedFlow(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := s.exec(ctx, tx, `UPDATE auth_codes SET used_at = ? WHERE hash = ? AND workspace = ? AND used_at IS NULL`, ts(at), hash, ws)
		if err != nil {
			return err
		}
		if n == 0 {
			var one int
			if err := s.txRow(ctx, tx, `SELECT 1 FROM auth_codes WHERE hash = ? AND workspace = ?`, hash, ws).Scan(&one); err != nil {
				return s.wrap(err)
			}
			return store.ErrConflict
		}
		return s.insertTokens(ctx, tx, issued, "")
	})
}

// --- consents ---

func (s *Store) SaveConsent(ctx context.Context, c store.Consent) error {
	_, err := s.exec(ctx, s.write, `INSERT INTO consents (workspace, user_id, client_id, scope, granted_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (workspace, user_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at`,
		c.Workspace, c.UserID, c.ClientID, c.Scope, ts(c.GrantedAt))
	return err
}

func (s *Store) ConsentFor(ctx context.Context, ws, userID, clientID string) (store.Consent, error) {
	var c store.Consent
	var granted sql.NullInt64
	err := s.readRow(ctx, `SELECT workspace, user_id, client_id, scope, granted_at FROM consents WHERE workspace = ? AND user_id = ? AND client_id = ?`,
		ws, userID, clientID).Scan(&c.Workspace, &c.UserID, &c.ClientID, &c.Scope, &granted)
	c.GrantedAt = fromTS(granted)
	return c, s.wrap(err)
}

// --- refresh rotation ---

// RotateRefreshToken first locks the user the new tokens are issued to
// (see lockSubjects), then revokes the old token and inserts the new ones.
func (s *Store) RotateRefreshToken(ctx context.Context, ws, oldID string, at time.Time, issued []store.Token) error {
	return s.issueOnRefreshToken(ctx, issued, `UPDATE tokens SET revoked_at = ? WHERE workspace = ? AND id = ? AND revoked_at IS NULL`, ts(at), ws, oldID)
}

// KeepRefreshToken is RotateRefreshToken for a token that stays: its
// expiry moves instead of its revocation being set.
func (s *Store) KeepRefreshToken(ctx context.Context, ws string, k store.RefreshKeep, issued []store.Token) error {
	return s.issueOnRefreshToken(ctx, issued, `UPDATE tokens SET expires_at = ?, grant_expires_at = COALESCE(grant_expires_at, ?)
		WHERE workspace = ? AND id = ? AND revoked_at IS NULL AND expires_at > ?`,
		ts(k.ExpiresAt), ts(k.GrantExpiresAt), ws, k.ID, ts(k.At))
}

// issueOnRefreshToken locks the subject of issued, runs update on the
// refresh token presented (ErrConflict when it changed no row: the token
// was revoked) and inserts issued, in one transaction.
func (s *Store) issueOnRefreshToken(ctx context.Context, issued []store.Token, update string, args ...any) error {
	return s.batchedFlow(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.lockSubjects(ctx, tx, issued); err != nil {
			return err
		}
		n, err := s.exec(ctx, tx, update, args...)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrConflict
		}
		return s.insertTokens(ctx, tx, issued, "")
	})
}

// lockSubjects share-locks the user row of each token's subject, where
// the dialect has row locks, before a rotation touches the user's tokens.
// Under READ COMMITTED a password change's UPDATE of the user's tokens
// could otherwise wait on the row lock of the token being rotated and,
// once the rotation commits, revoke what its snapshot holds: not the
// tokens the rotation inserted, which would outlive the change. With the
// lock, a change that comes first makes the rotation wait and then find
// its token revoked (ErrConflict); one that comes second waits at its
// UPDATE of users, so that its later UPDATE of tokens, a statement with a
// fresh snapshot, sees the new tokens. A subject that is no user (a
// client's own token, subject = client_id) locks nothing: client
// credentials never pay for this. A code redemption needs no such lock:
// it locks the code first, which the change deletes before it revokes
// tokens, so the change's revocation always runs after the redemption
// committed (or the redemption finds the code gone).
func (s *Store) lockSubjects(ctx context.Context, tx *sql.Tx, issued []store.Token) error {
	if s.dialect.ShareLock == "" {
		return nil
	}
	// A rotation's tokens share one subject: the first user's is the one.
	i := slices.IndexFunc(issued, func(t store.Token) bool { return t.Subject != t.ClientID })
	if i < 0 {
		return nil
	}
	// A subject without a user row (deleted meanwhile) locks nothing: its
	// tokens went with it, so the rotation finds its own gone.
	var one int
	err := s.txRow(ctx, tx, `SELECT 1 FROM users WHERE workspace = ? AND id = ?`+s.dialect.ShareLock, issued[i].Workspace, issued[i].Subject).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s.wrap(err)
	}
	return nil
}

// --- login throttle ---

func (s *Store) RecordLoginFailure(ctx context.Context, ws, key string, at, since time.Time) (int, error) {
	if _, err := s.exec(ctx, s.write, `INSERT INTO login_failures (workspace, throttle_key, at) VALUES (?, ?, ?)`, ws, key, ts(at)); err != nil {
		return 0, err
	}
	return s.LoginFailures(ctx, ws, key, since)
}

func (s *Store) LoginFailures(ctx context.Context, ws, key string, since time.Time) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM login_failures WHERE workspace = ? AND throttle_key = ? AND at > ?`, ws, key, ts(since)).Scan(&n)
	return n, s.wrap(err)
}

func (s *Store) ClearLoginFailures(ctx context.Context, ws, key string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM login_failures WHERE workspace = ? AND throttle_key = ?`, ws, key); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `DELETE FROM login_gates WHERE workspace = ? AND throttle_key = ?`, ws, key)
		return err
	})
}

func (s *Store) DeleteStaleLoginState(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM login_failures WHERE at < ?`, `DELETE FROM login_gates WHERE opens_at < ?`} {
			n, err := s.exec(ctx, tx, q, ts(before))
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	return total, err
}

// ClaimLoginGate is one upsert whose update applies only to an open gate:
// the row lock (PostgreSQL) or the single writer (SQLite) makes it atomic.
func (s *Store) ClaimLoginGate(ctx context.Context, ws, key string, at, until time.Time) (time.Time, bool, error) {
	n, err := s.exec(ctx, s.write, `INSERT INTO login_gates (workspace, throttle_key, opens_at) VALUES (?, ?, ?)
		ON CONFLICT (workspace, throttle_key) DO UPDATE SET opens_at = excluded.opens_at WHERE login_gates.opens_at <= ?`,
		ws, key, ts(until), ts(at))
	if err != nil || n == 1 {
		return time.Time{}, n == 1, err
	}
	var opens sql.NullInt64
	err = s.wrap(s.readRow(ctx, `SELECT opens_at FROM login_gates WHERE workspace = ? AND throttle_key = ?`, ws, key).Scan(&opens))
	if errors.Is(err, store.ErrNotFound) {
		return at, false, nil // cleared since: open now
	}
	return fromTS(opens), false, err
}

func (s *Store) SetLoginGate(ctx context.Context, ws, key string, until time.Time) error {
	_, err := s.exec(ctx, s.write, `INSERT INTO login_gates (workspace, throttle_key, opens_at) VALUES (?, ?, ?)
		ON CONFLICT (workspace, throttle_key) DO UPDATE SET opens_at = excluded.opens_at`, ws, key, ts(until))
	return err
}

// RecordConsecutiveFailure is one upsert, run with the read of its result
// in one transaction: the row lock (PostgreSQL) or the single writer
// (SQLite) makes concurrent failures each count.
func (s *Store) RecordConsecutiveFailure(ctx context.Context, ws, key string, at time.Time, limit int, lockUntil time.Time) (store.AccountLock, error) {
	var lock store.AccountLock
	firstLock := int64(0) // a first failure locks only at a limit of 1
	if limit <= 1 {
		firstLock = lockUntil.UnixMicro()
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO login_locks (workspace, throttle_key, failures, last_failure_at, locked_until)
			VALUES (?, ?, 1, ?, ?)
			ON CONFLICT (workspace, throttle_key) DO UPDATE SET
				failures = login_locks.failures + 1,
				last_failure_at = excluded.last_failure_at,
				locked_until = CASE WHEN login_locks.failures + 1 >= ? AND login_locks.locked_until < ?
					THEN ? ELSE login_locks.locked_until END`,
			ws, key, ts(at), firstLock, limit, ts(lockUntil), ts(lockUntil))
		if err != nil {
			return err
		}
		lock, err = s.scanAccountLock(s.txRow(ctx, tx, accountLockQuery, ws, key))
		return err
	})
	return lock, err
}

const accountLockQuery = `SELECT failures, locked_until FROM login_locks WHERE workspace = ? AND throttle_key = ?`

func (s *Store) AccountLock(ctx context.Context, ws, key string) (store.AccountLock, error) {
	lock, err := s.scanAccountLock(s.readRow(ctx, accountLockQuery, ws, key))
	if errors.Is(err, store.ErrNotFound) {
		return store.AccountLock{}, nil
	}
	return lock, err
}

func (s *Store) scanAccountLock(row rowScanner) (store.AccountLock, error) {
	var lock store.AccountLock
	var until int64
	if err := s.wrap(row.Scan(&lock.Failures, &until)); err != nil {
		return store.AccountLock{}, err
	}
	if until != 0 {
		lock.LockedUntil = time.UnixMicro(until).UTC()
	}
	return lock, nil
}

func (s *Store) ClearAccountLock(ctx context.Context, ws, key string) error {
	_, err := s.exec(ctx, s.write, `DELETE FROM login_locks WHERE workspace = ? AND throttle_key = ?`, ws, key)
	return err
}

func (s *Store) DeleteStaleAccountLocks(ctx context.Context, before time.Time) (int64, error) {
	return s.exec(ctx, s.write, `DELETE FROM login_locks WHERE last_failure_at < ? AND locked_until < ?`, ts(before), ts(before))
}

// --- used interaction requests ---

// UseRequestOnce runs in the group commit: it is on the hot path of every
// assertion-authenticated token request and signed registration, and one
// commit each halved their throughput. A batch re-run with savepoints runs
// the insert again, so used is set by the run that commits.
func (s *Store) UseRequestOnce(ctx context.Context, ws, id string, expires time.Time) (bool, error) {
	var used bool
	err := s.batched(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n, err := s.exec(ctx, tx, `INSERT INTO used_requests (workspace, id, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (workspace, id) DO NOTHING`, ws, id, ts(expires))
		used = n == 1
		return err
	})
	return used, err
}

// RequestUsed counts a record past its expiry until it is collected, as
// UseRequestOnce's insert does.
func (s *Store) RequestUsed(ctx context.Context, ws, id string) (bool, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM used_requests WHERE workspace = ? AND id = ?`, ws, id).Scan(&n)
	return n > 0, s.wrap(err)
}
