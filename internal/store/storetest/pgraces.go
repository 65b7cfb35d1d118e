package storetest

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

// RunPostgresRaces runs, on PostgreSQL, the interleavings that READ
// COMMITTED allows and a single writer (SQLite) does not: of a password
// change with the writes it must end, and of two nodes spending the same
// one-time value. Each is made deterministic by a blocker: a transaction
// on its own connection that holds a lock one of the store calls needs,
// so that call stops at a known statement until the test has started the
// others and seen them wait. open returns a fresh store, a pool on the
// same database and schema, and a function that opens another store on
// that schema (a second node, with its own connections and group commit).
func RunPostgresRaces(t *testing.T, open func(t *testing.T) (s store.Store, db *sql.DB, node func() store.Store)) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s store.Store, db *sql.DB)
	}{
		{"SessionBesidePasswordChange", testSessionBesidePasswordChange},
		{"CodeBesidePasswordChange", testCodeBesidePasswordChange},
		{"RotationBesidePasswordChange", testRotationBesidePasswordChange},
		{"KeepBesidePasswordChange", testKeepBesidePasswordChange},
		{"DeleteBesideRotation", testDeleteBesideRotation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, db, _ := open(t)
			tc.fn(t, s, db)
		})
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, nodes [2]store.Store, db *sql.DB)
	}{
		{"RegistrationTokenRotatedOnce", testRegistrationTokenRotatedOnce},
		{"RefreshTokenRotatedOnce", testRefreshTokenRotatedOnce},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, db, node := open(t)
			tc.fn(t, [2]store.Store{s, node()}, db)
		})
	}
}

// blocker is an open transaction holding locks that store calls wait on.
type blocker struct {
	t   *testing.T
	db  *sql.DB
	tx  *sql.Tx
	pid int
}

// block begins a transaction on its own connection and runs lock in it.
func block(t *testing.T, db *sql.DB, lock string, args ...any) *blocker {
	t.Helper()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &blocker{t: t, db: db, tx: tx}
	t.Cleanup(func() { tx.Rollback() })
	if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&b.pid); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, lock, args...); err != nil {
		t.Fatal(err)
	}
	return b
}

// waiters counts the backends waiting, directly or through others, on the
// blocker's transaction.
const waiters = `WITH RECURSIVE w(pid) AS (
		SELECT pid FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))
		UNION
		SELECT a.pid FROM pg_stat_activity a, w WHERE w.pid = ANY(pg_blocking_pids(a.pid))
	) SELECT count(*) FROM w`

// waitFor returns once n backends wait on the blocker, or, with a call
// not stopped by it, once that call has returned (its error is then the
// result, and returned true).
func (b *blocker) waitFor(n int, call <-chan error) (err error, returned bool) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-call:
			return err, true
		default:
		}
		var got int
		if err := b.db.QueryRowContext(ctx, waiters, b.pid).Scan(&got); err != nil {
			b.t.Fatal(err)
		}
		if got >= n {
			return nil, false
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.t.Fatalf("%d store calls never came to wait on the blocker", n)
	return nil, false
}

// release ends the blocker's transaction, changing nothing.
func (b *blocker) release() {
	if err := b.tx.Rollback(); err != nil {
		b.t.Fatal(err)
	}
}

// async runs call in a goroutine; its error arrives on the channel.
func async(call func() error) <-chan error {
	done := make(chan error, 1)
	go func() { done <- call() }()
	return done
}

// writeBesidePasswordChange runs write while SetUserPassword of u1 is in
// progress: it has replaced the hash and deleted the sessions, and is held
// (uncommitted) on the row of code1, made by mustAuthCode, at its delete of
// the codes. What write stored must not survive the change (find says
// whether it is there), and write must say ErrNotFound.
func writeBesidePasswordChange(t *testing.T, s store.Store, db *sql.DB, what string, write, find func() error) {
	t.Helper()
	b := block(t, db, `SELECT 1 FROM auth_codes WHERE workspace = 'w' AND id = 'code1' FOR UPDATE`)
	change := async(func() error { return s.SetUserPassword(ctx, "w", "u1", "$new", t0) })
	if err, returned := b.waitFor(1, change); returned {
		t.Fatalf("the password change was not held at the codes: %v", err)
	}
	done := async(write)
	err, returned := b.waitFor(2, done)
	b.release()
	if err := <-change; err != nil {
		t.Fatal(err)
	}
	if !returned {
		err = <-done
	}
	if find() == nil {
		t.Fatalf("%s during the password change survived it (the write said %v)", what, err)
	}
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%s: %v, want ErrNotFound", what, err)
	}
}

// testSessionBesidePasswordChange: a sign-in that verified the old hash
// stores its session while the change is in progress; the change has
// already deleted the sessions it could see.
func testSessionBesidePasswordChange(t *testing.T, s store.Store, db *sql.DB) {
	mustAuthCode(t, s) // u1, "$old"
	se := store.Session{Workspace: "w", ID: "s-late", Hash: []byte("sh-late"), UserID: "u1", AuthTime: t0, ExpiresAt: t0.Add(time.Hour)}
	writeBesidePasswordChange(t, s, db, "a session stored with the old password hash",
		func() error { return s.CreateSession(ctx, se, "$old") },
		func() error { _, err := s.SessionByHash(ctx, "w", se.Hash); return err })
}

// testCodeBesidePasswordChange: a code is issued from a session that the
// change has deleted, uncommitted, before its delete of the codes.
func testCodeBesidePasswordChange(t *testing.T, s store.Store, db *sql.DB) {
	late := mustAuthCode(t, s) // from session s-code1 of u1
	late.ID, late.Hash = "code-late", []byte("ch-late")
	writeBesidePasswordChange(t, s, db, "a code issued from the session the change ends",
		func() error { return s.CreateAuthCode(ctx, late, "s-code1") },
		func() error { _, err := s.AuthCodeByHash(ctx, "w", late.Hash); return err })
}

// testRotationBesidePasswordChange: a refresh rotation has revoked the old
// token and is inserting the new ones (held there by an uncommitted row
// with the next token's id) when the password change starts. Once both
// commit, every token of the user must be revoked, the rotation's too.
func testRotationBesidePasswordChange(t *testing.T, s store.Store, db *sql.DB) {
	old, access := refreshOfUser(t, s)
	next := old
	next.ID, next.Hash = "r2", []byte("rh2")
	issueBesidePasswordChange(t, s, db, "r2", "the rotation",
		func() error { return s.RotateRefreshToken(ctx, "w", "r1", t0, []store.Token{next, access}) }, "r1", "r2", "a2")
}

// testKeepBesidePasswordChange: the same for a refresh that keeps its
// token, held at its access token's insert.
func testKeepBesidePasswordChange(t *testing.T, s store.Store, db *sql.DB) {
	old, access := refreshOfUser(t, s)
	keep := store.RefreshKeep{ID: old.ID, At: t0, ExpiresAt: old.ExpiresAt.Add(time.Hour)}
	issueBesidePasswordChange(t, s, db, "a2", "the refresh keeping its token",
		func() error { return s.KeepRefreshToken(ctx, "w", keep, []store.Token{access}) }, "r1", "a2")
}

// refreshOfUser stores user u1's refresh token r1 and returns it with the
// record of an access token a2 to issue on it.
func refreshOfUser(t *testing.T, s store.Store) (refresh, access store.Token) {
	mustSession(t, s, "u1", "s1")
	refresh = sampleRefreshToken("r1", []byte("rh1"))
	refresh.Subject = "u1"
	if err := s.CreateToken(ctx, refresh); err != nil {
		t.Fatal(err)
	}
	access = sampleToken("a2", []byte("ah2"))
	access.Subject = "u1"
	return refresh, access
}

// issueBesidePasswordChange runs issue, held at its insert of the token
// heldID by an uncommitted row with that id, starts a password change of
// u1 meanwhile, and once both commit wants every token of ids revoked.
func issueBesidePasswordChange(t *testing.T, s store.Store, db *sql.DB, heldID, what string, issue func() error, ids ...string) {
	b := block(t, db, `INSERT INTO tokens (workspace, id, kind, format, client_id, subject, scope, audience, grant_id, issued_at, expires_at)
		VALUES ('w', '`+heldID+`', '', '', '', '', '', '', '', 0, 0)`)
	issued := async(issue)
	if err, returned := b.waitFor(1, issued); returned {
		t.Fatalf("%s was not held at its insert: %v", what, err)
	}
	change := async(func() error { return s.SetUserPassword(ctx, "w", "u1", "$new", t0.Add(time.Minute)) })
	if err, returned := b.waitFor(2, change); returned {
		t.Fatalf("the password change did not wait for %s: %v", what, err)
	}
	b.release()
	if err := <-issued; err != nil {
		t.Fatalf("%s, which came first: %v", what, err)
	}
	if err := <-change; err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if got, err := s.TokenByID(ctx, "w", id); err != nil || got.RevokedAt.IsZero() {
			t.Errorf("token %s of the user is not revoked after the password change (%v)", id, err)
		}
	}
}

// spendTwice runs spend on both nodes while the blocker holds the row
// both must change, so that each has read it before either writes, and
// returns their errors once the blocker is released.
func spendTwice(t *testing.T, db *sql.DB, lock string, nodes [2]store.Store, spend func(s store.Store, i int) error) [2]error {
	t.Helper()
	b := block(t, db, lock)
	var calls [2]<-chan error
	for i, s := range nodes {
		calls[i] = async(func() error { return spend(s, i) })
	}
	for n, call := range calls {
		if err, returned := b.waitFor(n+1, call); returned {
			t.Fatalf("node %d was not held by the blocker: %v", n, err)
		}
	}
	b.release()
	return [2]error{<-calls[0], <-calls[1]}
}

// winner checks that exactly one of errs is nil and the other
// ErrConflict, and returns the index of the nil one.
func winner(t *testing.T, what string, errs [2]error) int {
	t.Helper()
	switch {
	case errs[0] == nil && errors.Is(errs[1], store.ErrConflict):
		return 0
	case errs[1] == nil && errors.Is(errs[0], store.ErrConflict):
		return 1
	}
	t.Fatalf("%s on two nodes at once: %v; want one success and one ErrConflict", what, errs)
	return -1
}

// testRegistrationTokenRotatedOnce: two nodes rotate the same registration
// access token (RFC 7592 read or update) at once. Both read the client
// and accept the token before either writes; the optimistic version check
// must let only one write, or both callers leave with a working token.
func testRegistrationTokenRotatedOnce(t *testing.T, nodes [2]store.Store, db *sql.DB) {
	c := sampleClient("w", "c1")
	if err := nodes[0].CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	errs := spendTwice(t, db, `SELECT 1 FROM clients WHERE workspace = 'w' AND id = 'c1' FOR UPDATE`, nodes, func(s store.Store, i int) error {
		_, err := s.UpdateClient(ctx, "w", "c1", func(cl *client.Client) error {
			if !bytes.Equal(cl.RegistrationTokenHash, c.RegistrationTokenHash) {
				return store.ErrConflict
			}
			cl.RegistrationTokenHash = []byte{byte(i)}
			return nil
		})
		return err
	})
	won := winner(t, "a rotation of one registration access token", errs)
	got, err := nodes[0].ClientByID(ctx, "w", "c1")
	if err != nil || got.Version != 2 || !bytes.Equal(got.RegistrationTokenHash, []byte{byte(won)}) {
		t.Fatalf("after the rotations: version %d, token hash %v (%v); want version 2 and node %d's token", got.Version, got.RegistrationTokenHash, err, won)
	}
}

// testRefreshTokenRotatedOnce: two nodes rotate the same refresh token at
// once (a replay racing the client). Only one may issue successors; the
// other's tokens must not be stored.
func testRefreshTokenRotatedOnce(t *testing.T, nodes [2]store.Store, db *sql.DB) {
	old := sampleRefreshToken("r1", []byte("rh1"))
	if err := nodes[0].CreateToken(ctx, old); err != nil {
		t.Fatal(err)
	}
	successor := func(i int) store.Token {
		next := old
		next.ID, next.Hash = fmt.Sprintf("r-node%d", i), []byte(fmt.Sprintf("rh-node%d", i))
		return next
	}
	errs := spendTwice(t, db, `SELECT 1 FROM tokens WHERE workspace = 'w' AND id = 'r1' FOR UPDATE`, nodes, func(s store.Store, i int) error {
		return s.RotateRefreshToken(ctx, "w", "r1", t0, []store.Token{successor(i)})
	})
	won := winner(t, "a rotation of one refresh token", errs)
	for i := range nodes {
		_, err := nodes[0].TokenByID(ctx, "w", successor(i).ID)
		if stored := err == nil; stored != (i == won) {
			t.Fatalf("node %d's successor stored: %v (%v); only the winner's (node %d) may be", i, stored, err, won)
		}
	}
}
