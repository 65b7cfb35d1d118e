// Package store declares the persistence contract. Implementations live in
// store/sqlite and store/postgres and must pass store/storetest, the one
// conformance suite. Services depend on the narrowest interface they use.
//
// Every method is safe for concurrent use by many goroutines and, through
// the database, by many Registrar nodes: one-time values are consumed by a
// single conditional statement, never guarded by an in-process mutex.
// Times are stored in UTC with microsecond precision; callers pass and get
// UTC values truncated to the microsecond.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/fault"
	"github.com/registrar-dev/registrar/internal/workspace"
)

var (
	// ErrNotFound: no record matches.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a record with that key exists, or an optimistic update lost.
	ErrConflict = errors.New("conflict")
	// ErrLimitReached: the write would exceed a limit the caller set.
	ErrLimitReached = errors.New("limit reached")
	// ErrUnavailable: the database cannot be reached. It wraps
	// fault.ErrUnavailable, which the HTTP layer answers with 503.
	ErrUnavailable = fmt.Errorf("store %w", fault.ErrUnavailable)
)

// Store is everything a Registrar node persists.
type Store interface {
	Workspaces
	Clients
	Keys
	Tokens
	InitialAccessTokens
	Registrations
	Users
	Sessions
	AuthCodes
	Consents
	RefreshTokens
	LoginThrottle
	UsedRequests
	AdminTokens
	AdminSearches
	// Ping checks the database answers and has not lately failed a write
	// for want of disk space (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Workspaces persists workspaces and their settings.
type Workspaces interface {
	// CreateWorkspace inserts w. ErrConflict if the name is taken.
	CreateWorkspace(ctx context.Context, w workspace.Workspace) error
	// WorkspaceByName returns the workspace or ErrNotFound.
	WorkspaceByName(ctx context.Context, name string) (workspace.Workspace, error)
	// ListWorkspaces returns all workspaces ordered by name.
	ListWorkspaces(ctx context.Context) ([]workspace.Workspace, error)
	// UpdateWorkspaceSettings replaces the settings of an existing workspace
	// and sets UpdatedAt. ErrNotFound if it does not exist.
	UpdateWorkspaceSettings(ctx context.Context, name string, s workspace.Settings, at time.Time) error
	// ClaimBootstrap marks the workspace's bootstrap client as handed out
	// and reports whether this call did it: true exactly once per
	// workspace, whatever the number of concurrent callers and nodes.
	// ErrNotFound if the workspace does not exist.
	ClaimBootstrap(ctx context.Context, name string, at time.Time) (bool, error)
}

// Page selects a slice of a list ordered by (created time, id). After is the
// id of the last item of the previous page ("" for the first page).
type Page struct {
	After string
	Limit int // 0 means no limit
}

// Clients persists clients.
type Clients interface {
	// CreateClient inserts c. ErrConflict if (workspace, id) exists.
	CreateClient(ctx context.Context, c client.Client) error
	// ClientByID returns the client or ErrNotFound.
	ClientByID(ctx context.Context, ws, id string) (client.Client, error)
	// CachedClientByID is ClientByID served from the node's cache where it
	// can be, for requests that only use the client (token, authorization):
	// a change made through this store is seen at once, one made elsewhere
	// (another node, a CLI on the same file) within a second. Reads that
	// decide a write (RFC 7592, admin) use ClientByID.
	CachedClientByID(ctx context.Context, ws, id string) (client.Client, error)
	// ListClients returns clients of ws ordered by (IssuedAt, ID); stable
	// under inserts of newer clients.
	ListClients(ctx context.Context, ws string, p Page) ([]client.Client, error)
	// CountClients returns how many clients ws has.
	CountClients(ctx context.Context, ws string) (int, error)
	// UpdateClient reads the client, calls fn on a copy and writes the
	// result in one transaction, incrementing Version. If fn returns an
	// error nothing changes and that error is returned. ErrNotFound if the
	// client does not exist; ErrConflict if it changed concurrently.
	// Workspace and ID cannot be changed by fn.
	UpdateClient(ctx context.Context, ws, id string, fn func(*client.Client) error) (client.Client, error)
	// DeleteClient removes the client and revokes (deletes) every token
	// stored for it, in one transaction. ErrNotFound if absent.
	DeleteClient(ctx context.Context, ws, id string) error
	// MarkClientUsed records at as when a token was first issued to the
	// client, unless one was recorded before (idempotent). A missing
	// client is not an error.
	MarkClientUsed(ctx context.Context, ws, id string, at time.Time) error
	// DeleteUnusedClients deletes, as DeleteClient does, dynamically
	// registered clients of ws issued before registeredBefore that were
	// never issued a token (no MarkClientUsed), at most a batch of them
	// per call, oldest first; returns how many. A client marked used
	// while this runs is kept.
	DeleteUnusedClients(ctx context.Context, ws string, registeredBefore time.Time) (int64, error)
}

// SigningKey is a workspace signing key. The private key is stored only
// encrypted (AES-GCM under the master key); the public JWK is plain JSON.
type SigningKey struct {
	Workspace string
	KID       string
	Alg       string
	// PrivateKeyEncrypted is the sealed private key (opaque to the store).
	PrivateKeyEncrypted []byte
	// PublicJWK is the public key as a JWK JSON object.
	PublicJWK []byte
	CreatedAt time.Time
	// RetiredAt is when the key stops signing; zero while no successor is
	// due. A rotation sets it ahead, to when the successor (published at
	// once) starts signing: until then this key still signs.
	RetiredAt time.Time
	// PublishUntil is when a retired key may leave the JWKS: no token it
	// signed can still be valid then. Zero while active.
	PublishUntil time.Time
}

// Keys persists signing keys.
type Keys interface {
	// RotateKeys inserts fresh keys and, in the same transaction, retires
	// every active key (RetiredAt zero) of ws whose alg is among the fresh
	// keys' algs, setting RetiredAt=at and PublishUntil=publishUntil; at
	// may be in the future. With no active keys it simply inserts.
	// ErrConflict on a duplicate kid.
	RotateKeys(ctx context.Context, ws string, fresh []SigningKey, at, publishUntil time.Time) error
	// KeysByWorkspace returns the keys of ws that are active or still to be
	// published at time now (PublishUntil > now), newest first.
	KeysByWorkspace(ctx context.Context, ws string, now time.Time) ([]SigningKey, error)
}

// Token kinds. A token's format is workspace.FormatJWT or FormatOpaque.
const (
	KindAccess  = "access_token"
	KindRefresh = "refresh_token"
)

// Token is an issued token's record. Opaque tokens are stored at issue
// (found by Hash). JWT access tokens are not stored at issue; revoking one
// stores a record with its ID (the jti) and RevokedAt, which introspection
// consults.
type Token struct {
	Workspace string
	ID        string // jti or random id
	Kind      string
	Format    string
	// Hash is the keyed hash of an opaque token value; nil for JWTs.
	Hash      []byte
	ClientID  string
	Subject   string
	Scope     string
	Audience  []string
	GrantID   string // family: tokens issued from one grant share it
	IssuedAt  time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero when not revoked
	// AuthTime is when the user authenticated for the grant, kept on
	// refresh tokens so that refreshed access tokens still carry it
	// (RFC 9068 §2.2.1); zero when unknown.
	AuthTime time.Time
	// GrantExpiresAt, on refresh tokens, is when the family ends: no
	// refresh token of the grant may expire later, rotations included.
	// Zero on access token records and on refresh tokens stored before it
	// was kept.
	GrantExpiresAt time.Time
	// CertThumbprint is the x5t#S256 of the client certificate the token
	// is bound to (RFC 8705 §3); "" when it is bound to none.
	CertThumbprint string
}

// TokenRecord is what the revocation list says of a token id: whether a
// record exists, its revocation time (zero if not revoked) and the
// subject it was issued for as stored (a user's local id, which a JWT's
// sub claim is not for a pairwise client).
type TokenRecord struct {
	Exists    bool
	RevokedAt time.Time
	Subject   string
}

// Tokens persists tokens and the JWT revocation list.
type Tokens interface {
	// CreateToken inserts t. ErrConflict on a duplicate (workspace, id) or hash.
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash finds an opaque token by its keyed hash. ErrNotFound if none.
	TokenByHash(ctx context.Context, ws string, hash []byte) (Token, error)
	// TokenByID finds a token (or a JWT revocation record) by id. ErrNotFound if none.
	TokenByID(ctx context.Context, ws, id string) (Token, error)
	// ClientWithTokenRecord reads client clientID and, in the same
	// statement, whether token tokenID has a record and when it was revoked.
	// Checking a JWT needs both on every call (its caller or owner, and the
	// revocation list), and one statement costs little more than either.
	// ErrNotFound if the client does not exist.
	ClientWithTokenRecord(ctx context.Context, ws, clientID, tokenID string) (client.Client, TokenRecord, error)
	// ClientWithTokenByHash reads client clientID and, in the same
	// statement, the opaque token whose keyed hash is hash (found false if
	// none): introspecting an opaque token needs both on every call.
	// ErrNotFound if the client does not exist.
	ClientWithTokenByHash(ctx context.Context, ws, clientID string, hash []byte) (c client.Client, t Token, found bool, err error)
	// RevokeToken marks the token with that id revoked at `at` (idempotent:
	// an earlier RevokedAt is kept). If no record exists, rec is inserted
	// with RevokedAt=at — this is how a JWT joins the revocation list.
	// rec may be nil when only existing records should be revoked; then
	// ErrNotFound is returned if none exists.
	RevokeToken(ctx context.Context, ws, id string, at time.Time, rec *Token) error
	// RevokeGrant revokes every token of the grant family; returns how many.
	RevokeGrant(ctx context.Context, ws, grantID string, at time.Time) (int64, error)
	// DeleteExpiredTokens removes token records expired before `before`
	// (their revocation no longer matters), and codes, sessions, used
	// requests and kept registration answers past their lifetimes; returns
	// how many tokens.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error)
}

// Open is the signature of a backend constructor: dsn is backend-specific.
type Open func(ctx context.Context, dsn string) (Store, error)

// Activity counts what a store has asked of its database since it opened:
// statements that read, statements that write, and commits (a write
// outside a transaction is its own commit; a group commit is one for all
// its writes). A store that counts offers it as `Activity() Activity`.
type Activity struct {
	Reads, Writes, Commits uint64
}
