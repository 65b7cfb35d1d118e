package store

import (
	"context"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
)

// InitialAccessToken is an operator-issued token that authorizes dynamic
// client registrations (RFC 7591 §3): it has a use counter and an
// expiry. Only its keyed hash is stored.
type InitialAccessToken struct {
	Workspace   string
	ID          string
	Hash        []byte
	Description string
	MaxUses     int // 0 means unlimited until expiry
	Uses        int
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   time.Time // zero while usable
}

// What InitialAccessToken.Status says of a token.
const (
	IATActive  = "active"
	IATRevoked = "revoked"
	IATUsedUp  = "used up"
	IATExpired = "expired"
)

// Status says whether t still authorizes a registration at now
// (IATActive) or why it does not. The registration endpoint and the
// operator's listing both ask here, so that a token listed active is one
// that works. RegisterClient repeats the rule in the conditional UPDATE
// that spends a use, which is what makes a use atomic across nodes.
func (t InitialAccessToken) Status(now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return IATRevoked
	case t.MaxUses > 0 && t.Uses >= t.MaxUses:
		return IATUsedUp
	case !now.Before(t.ExpiresAt):
		return IATExpired
	}
	return IATActive
}

// InitialAccessTokens persists operator-issued initial access tokens.
type InitialAccessTokens interface {
	// CreateInitialAccessToken inserts t. ErrConflict on a duplicate id or hash.
	CreateInitialAccessToken(ctx context.Context, t InitialAccessToken) error
	// InitialAccessTokenByHash finds a token by hash (usable or not). ErrNotFound if none.
	InitialAccessTokenByHash(ctx context.Context, ws string, hash []byte) (InitialAccessToken, error)
	// ListInitialAccessTokens returns the tokens of ws, newest first.
	ListInitialAccessTokens(ctx context.Context, ws string) ([]InitialAccessToken, error)
	// RevokeInitialAccessToken sets RevokedAt (idempotent). ErrNotFound if absent.
	RevokeInitialAccessToken(ctx context.Context, ws, id string, at time.Time) error
}

// Credential kinds that can authorize a registration.
const (
	CredentialNone               = ""
	CredentialInitialAccessToken = "initial_access_token"
	CredentialAccessToken        = "access_token"
)

// CredentialUse is the one-time use of what authorized a registration.
type CredentialUse struct {
	Kind string
	// ID is the initial access token id, or the access token's id (jti).
	ID string
	// Token is the record to insert as consumed when an access token that
	// is not stored (a JWT) is used; nil for stored (opaque) tokens.
	Token *Token
	At    time.Time
}

// AuditEvent records a registration-related decision. It never holds a
// secret: no token, secret or RAT values, only ids.
type AuditEvent struct {
	Workspace string
	ID        string
	At        time.Time
	// Action: one of registration.AuditActions or an admin action.
	Action string
	// Outcome: "accepted" or "denied".
	Outcome  string
	ClientID string
	// Reason is the protocol error code and description for a denial.
	Reason string
	// Credential identifies what authorized the request (kind:id).
	Credential string
	RemoteAddr string
}

// Replay is the answer to a registration sent with an Idempotency-Key,
// kept so that a retry gets it again.
type Replay struct {
	Workspace   string
	KeyHash     []byte // keyed hash of the Idempotency-Key
	RequestHash []byte // keyed hash of what was sent: bearer token and body
	Response    []byte // the answer, sealed: it holds the one-time secrets
	ExpiresAt   time.Time
}

// ClientChange is what a ManageClient call commits to the client.
type ClientChange int

const (
	ClientUnchanged ClientChange = iota
	ClientUpdated
	ClientDeleted
)

// Registrations are the writes of dynamic client registration.
type Registrations interface {
	// RegisterClient, in one transaction: consumes use (an initial access
	// token use — the counter must stay within MaxUses, the token
	// unexpired at use.At and unrevoked — or an access token, which must
	// not have been consumed or revoked before), inserts c, and inserts
	// event. If the credential cannot be consumed it returns ErrConflict
	// and writes nothing; of concurrent requests with a single-use
	// credential exactly one succeeds, on every node. With maxClients > 0,
	// it returns ErrLimitReached and writes nothing when the workspace
	// already holds that many clients. The count is read in the same
	// transaction: exact on SQLite, whose writers take turns; on
	// PostgreSQL concurrent registrations may each see room for one and
	// overshoot by at most their number less one.
	RegisterClient(ctx context.Context, c client.Client, use CredentialUse, event AuditEvent, maxClients int) error
	// RegisterClientReplayable is RegisterClient that also keeps r in the
	// same transaction, after dropping every expired replay. An unexpired
	// replay with r's workspace and key is ErrConflict, as a spent
	// credential is: the caller looks the key up to tell them apart.
	RegisterClientReplayable(ctx context.Context, c client.Client, use CredentialUse, event AuditEvent, maxClients int, r Replay) error
	// Replay returns the replay of ws kept under keyHash that has not
	// expired at now, or ErrNotFound.
	Replay(ctx context.Context, ws string, keyHash []byte, now time.Time) (Replay, error)
	// ManageClient runs one authenticated call on a client (RFC 7592
	// read, update, delete) in one transaction. It reads the client and
	// calls fn with a copy; fn checks the caller's credential against it,
	// edits the copy if the call changes it, and says what to commit:
	// ClientUnchanged (the client is not written), ClientUpdated (the copy
	// is written back as UpdateClient writes it, Version+1) or
	// ClientDeleted (the client goes as DeleteClient removes it). A write
	// or delete happens only if the client is still the one fn saw: if it
	// changed concurrently, ErrConflict and nothing is written, so of two
	// calls that check the same credential at most one acts, on every
	// node. event, unless its ID is empty, is inserted in the same
	// transaction. An error from fn writes nothing and is returned;
	// ErrNotFound if the client does not exist. It returns the client as
	// committed (as read, for a delete).
	ManageClient(ctx context.Context, ws, id string, fn func(*client.Client) (ClientChange, AuditEvent, error)) (client.Client, error)
	// AddAuditEvent inserts e (for denials and for manage actions).
	AddAuditEvent(ctx context.Context, e AuditEvent) error
	// ListAuditEvents returns events of ws, newest first, at most limit (0 = all).
	ListAuditEvents(ctx context.Context, ws string, limit int) ([]AuditEvent, error)
	// DeleteAuditEventsBefore deletes the events of every workspace
	// recorded before `before`; returns how many.
	DeleteAuditEventsBefore(ctx context.Context, before time.Time) (int64, error)
}
