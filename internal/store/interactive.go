package store

import (
	"context"
	"time"

	"github.com/registrar-dev/registrar/internal/user"
)

// Users persists end users.
type Users interface {
	// CreateUser inserts u. ErrConflict if (workspace, username) or (workspace, id) exists.
	CreateUser(ctx context.Context, u user.User) error
	// UserByUsername returns the user or ErrNotFound.
	UserByUsername(ctx context.Context, ws, username string) (user.User, error)
	// UserByID returns the user or ErrNotFound.
	UserByID(ctx context.Context, ws, id string) (user.User, error)
	// ListUsers returns the users of ws ordered by username.
	ListUsers(ctx context.Context, ws string) ([]user.User, error)
	// SetUserPassword replaces the password hash and, in the same
	// transaction, ends everything signed in with the old one: it deletes
	// the user's sessions and authorization codes and revokes, at `at`,
	// every token issued with them as subject (refresh tokens, so their
	// grants, and the access tokens' records). Consents stay. ErrNotFound if absent.
	SetUserPassword(ctx context.Context, ws, id, hash string, at time.Time) error
	// DeleteUser removes the user with their sessions, codes, consents and
	// the tokens issued with them as subject, in one transaction. ErrNotFound if absent.
	DeleteUser(ctx context.Context, ws, id string) error
}

// Session is a signed-in browser. The cookie holds a random value; only its
// keyed hash is stored.
type Session struct {
	Workspace string
	ID        string
	Hash      []byte
	UserID    string
	AuthTime  time.Time
	AMR       []string
	ExpiresAt time.Time
}

// Sessions persists browser sessions.
type Sessions interface {
	// CreateSession stores s only if user s.UserID still has
	// passwordHash, the hash the password was verified against, when it
	// commits; ErrNotFound, storing nothing, if the password was changed
	// or the user deleted meanwhile (the sign-in then fails). A password
	// change or deletion concurrent with it, on any node, either prevents
	// it or ends the session it stored.
	CreateSession(ctx context.Context, s Session, passwordHash string) error
	// SessionByHash returns the session or ErrNotFound (expired ones too:
	// the caller checks ExpiresAt).
	SessionByHash(ctx context.Context, ws string, hash []byte) (Session, error)
	// DeleteSession removes it (idempotent).
	DeleteSession(ctx context.Context, ws, id string) error
}

// AuthCode is an authorization code (RFC 6749 §4.1.2) with everything it is
// bound to (OIDC Core §3.1.3.2). Only its keyed hash is stored.
type AuthCode struct {
	Workspace           string
	ID                  string
	Hash                []byte
	ClientID            string
	UserID              string
	RedirectURI         string
	Scope               string
	Resources           []string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	AuthTime            time.Time
	AMR                 []string
	GrantID             string // the family of tokens issued from this code
	IssuedAt            time.Time
	ExpiresAt           time.Time
	UsedAt              time.Time // zero until redeemed
}

// AuthCodes persists authorization codes.
type AuthCodes interface {
	// CreateAuthCode stores c only if the session sessionID (of
	// c.Workspace) it is issued from still exists when it commits;
	// ErrNotFound, storing nothing, if the session has ended (a sign-out,
	// a password change, the user's deletion). An end of the session
	// concurrent with it, on any node, either prevents it or deletes the
	// code it stored.
	CreateAuthCode(ctx context.Context, c AuthCode, sessionID string) error
	// AuthCodeByHash returns the code, used or not, and changes nothing, so
	// that a token request can be checked before UseAuthCode consumes the
	// code. ErrNotFound if no such code.
	AuthCodeByHash(ctx context.Context, ws string, hash []byte) (AuthCode, error)
	// UseAuthCode marks the code used at `at` with one conditional update
	// and inserts the tokens issued with it in the same transaction; of
	// concurrent uses exactly one succeeds, on every node. ErrNotFound if
	// no such code; ErrConflict if it was already used, and then it stores
	// nothing: the caller, which read the code with AuthCodeByHash, revokes
	// what the first redemption issued (RFC 6749 §4.1.2, §10.5).
	UseAuthCode(ctx context.Context, ws string, hash []byte, at time.Time, issued []Token) error
}

// Consent is a user's remembered approval of scopes for a client.
type Consent struct {
	Workspace string
	UserID    string
	ClientID  string
	Scope     string
	GrantedAt time.Time
}

// Consents persists remembered consent.
type Consents interface {
	// SaveConsent inserts or replaces the consent of (user, client).
	SaveConsent(ctx context.Context, c Consent) error
	// ConsentFor returns it or ErrNotFound.
	ConsentFor(ctx context.Context, ws, userID, clientID string) (Consent, error)
}

// RefreshTokens issues on refresh tokens: rotating them with reuse
// detection, or keeping them where a workspace does not rotate.
type RefreshTokens interface {
	// RotateRefreshToken, in one transaction: revokes the token oldID at
	// `at` only if it is not revoked yet, and inserts the tokens issued in
	// its place (the next refresh token, the new access token's record). If
	// oldID was already revoked (a replay of a rotated token) it writes
	// nothing and returns ErrConflict; the caller then revokes the whole
	// family (RFC 9700 §4.14.2). A SetUserPassword or DeleteUser of the
	// tokens' subject concurrent with it, on any node, either makes it
	// find oldID revoked (or gone) or revokes (deletes) what it inserted.
	RotateRefreshToken(ctx context.Context, ws, oldID string, at time.Time, issued []Token) error
	// KeepRefreshToken, in one transaction, for a workspace that does not
	// rotate: moves the refresh token k.ID's expiry to k.ExpiresAt (and
	// sets its grant's end to k.GrantExpiresAt where none is stored) only
	// if it is neither revoked nor expired at k.At, and inserts the tokens
	// issued on it (the new access token's record). Otherwise it writes
	// nothing and returns ErrConflict. It holds against a concurrent
	// SetUserPassword or DeleteUser as RotateRefreshToken does.
	KeepRefreshToken(ctx context.Context, ws string, k RefreshKeep, issued []Token) error
}

// RefreshKeep is a refresh token that stays in use after a refresh.
type RefreshKeep struct {
	ID string
	// At is the refresh's time: a token expired by then is not revived.
	At time.Time
	// ExpiresAt is its new expiry; GrantExpiresAt its grant's end, stored
	// only for a token stored before grants kept their end.
	ExpiresAt, GrantExpiresAt time.Time
}

// LoginThrottle counts failed sign-ins per key (an account or an address)
// and keeps a gate per key that lets one attempt through at a time, in the
// database, so throttling holds across parallel requests and nodes.
type LoginThrottle interface {
	// RecordLoginFailure adds a failure for key at `at` and returns how many
	// failures key has since `since`.
	RecordLoginFailure(ctx context.Context, ws, key string, at, since time.Time) (int, error)
	// LoginFailures returns the count since `since` without adding one.
	LoginFailures(ctx context.Context, ws, key string, since time.Time) (int, error)
	// ClearLoginFailures forgets key's failures and opens its gate (after a success).
	ClearLoginFailures(ctx context.Context, ws, key string) error
	// ClaimLoginGate: if key's gate is open at `at` (never shut, or shut
	// until a time not after at) it shuts it until `until` and returns
	// ok; otherwise it changes nothing and returns when the gate opens.
	// The claim is one conditional statement, so of concurrent callers on
	// any number of nodes at most one gets ok.
	ClaimLoginGate(ctx context.Context, ws, key string, at, until time.Time) (opens time.Time, ok bool, err error)
	// SetLoginGate shuts key's gate until `until` whatever its state (a
	// time already past opens it): for the attempt that claimed it.
	SetLoginGate(ctx context.Context, ws, key string, until time.Time) error
	// DeleteStaleLoginState removes failures recorded before `before` and
	// gates that opened before it, in every workspace; returns how many
	// rows went. Callers pass a time older than any window still counted.
	DeleteStaleLoginState(ctx context.Context, before time.Time) (int64, error)

	// RecordConsecutiveFailure adds one to key's consecutive failed
	// sign-ins, at `at`, and when that brings them to limit or beyond
	// locks key until lockUntil; it returns the state after, all in one
	// transaction. A lock in force is not shortened.
	RecordConsecutiveFailure(ctx context.Context, ws, key string, at time.Time, limit int, lockUntil time.Time) (AccountLock, error)
	// AccountLock returns key's consecutive failures and lock: the zero
	// AccountLock when it has none.
	AccountLock(ctx context.Context, ws, key string) (AccountLock, error)
	// ClearAccountLock forgets key's consecutive failures and lifts its
	// lock (after a success, or by an operator). Idempotent.
	ClearAccountLock(ctx context.Context, ws, key string) error
	// DeleteStaleAccountLocks removes the counts of keys whose last
	// failure and lock both ended before `before`, in every workspace;
	// returns how many went.
	DeleteStaleAccountLocks(ctx context.Context, before time.Time) (int64, error)
}

// AccountLock is a key's count of consecutive failed sign-ins and the
// lock they led to.
type AccountLock struct {
	Failures int
	// LockedUntil is when the lock ends; zero when key was never locked.
	LockedUntil time.Time
}

// LockedAt reports whether the lock still holds at now.
func (l AccountLock) LockedAt(now time.Time) bool { return l.LockedUntil.After(now) }

// UsedRequests remembers which pending authorization requests (the sealed
// request a login or consent form carries) have been acted on, so that a
// form posted again cannot yield a second code.
type UsedRequests interface {
	// UseRequestOnce records id as used until expires and reports whether
	// this call did: true at most once per (ws, id), whatever the number
	// of concurrent callers and nodes (one insert-if-absent).
	// DeleteExpiredTokens collects records past expires.
	UseRequestOnce(ctx context.Context, ws, id string, expires time.Time) (bool, error)
	// RequestUsed reports whether (ws, id) is recorded as used, that is
	// whether UseRequestOnce would now refuse it, without recording
	// anything: for a dry run that must refuse what the real call would.
	RequestUsed(ctx context.Context, ws, id string) (bool, error)
}
