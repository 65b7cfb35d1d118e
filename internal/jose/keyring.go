package jose

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/strictjson"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// KeyRing serves the signing keys of all workspaces from a cache refreshed
// from the store, so that a rotation done on one node (or by the CLI) is
// seen by every node within the refresh interval, and at once on an
// unknown kid.
type KeyRing struct {
	keys    store.Keys
	sealer  *Sealer
	now     func() time.Time
	refresh time.Duration

	mu   sync.Mutex
	sets map[string]*keySet
}

// keySet is an immutable snapshot of one workspace's keys.
type keySet struct {
	fetched    time.Time
	byKID      map[string]*signingKey
	active     map[string]*signingKey // alg → newest active key
	jwks       []byte
	lastForced time.Time
}

type signingKey struct {
	kid     string
	alg     jwa.SignatureAlgorithm
	private crypto.Signer // nil for a retired key (never used to sign)
	public  crypto.PublicKey
	headers jws.Headers
}

// NewKeyRing returns a KeyRing over keys.
func NewKeyRing(keys store.Keys, sealer *Sealer, now func() time.Time, refresh time.Duration) *KeyRing {
	return &KeyRing{keys: keys, sealer: sealer, now: now, refresh: refresh, sets: map[string]*keySet{}}
}

// retirePublish is how long a key displaced by a concurrent EnsureKeys on
// another node stays published: longer than any token lifetime we allow.
const retirePublish = 48 * time.Hour

// EnsureKeys creates an active key for every alg in workspace.SigningAlgs
// that has none. Two nodes racing may both insert; RotateKeys then retires
// the first of them, which stays published, so tokens it signed still
// verify.
func (k *KeyRing) EnsureKeys(ctx context.Context, ws string) error {
	now := k.now()
	existing, err := k.keys.KeysByWorkspace(ctx, ws, now)
	if err != nil {
		return err
	}
	for _, alg := range workspace.SigningAlgs {
		if slices.ContainsFunc(existing, func(sk store.SigningKey) bool { return sk.Alg == alg && sk.RetiredAt.IsZero() }) {
			continue
		}
		fresh, err := GenerateKey(ws, alg, k.sealer, now)
		if err != nil {
			return err
		}
		if err := k.keys.RotateKeys(ctx, ws, []store.SigningKey{fresh}, now, now.Add(retirePublish)); err != nil {
			return err
		}
	}
	k.invalidate(ws)
	return nil
}

// Rotate adds a new active key for every alg, retiring the old ones; they
// stay published for publishFor (the longest token lifetime).
func (k *KeyRing) Rotate(ctx context.Context, ws string, publishFor time.Duration) ([]store.SigningKey, error) {
	now := k.now()
	var fresh []store.SigningKey
	for _, alg := range workspace.SigningAlgs {
		sk, err := GenerateKey(ws, alg, k.sealer, now)
		if err != nil {
			return nil, err
		}
		fresh = append(fresh, sk)
	}
	if err := k.keys.RotateKeys(ctx, ws, fresh, now, now.Add(publishFor)); err != nil {
		return nil, err
	}
	k.invalidate(ws)
	return fresh, nil
}

func (k *KeyRing) invalidate(ws string) {
	k.mu.Lock()
	delete(k.sets, ws)
	k.mu.Unlock()
}

// set returns a fresh enough snapshot of ws's keys, loading it if needed.
// force reloads (rate-limited to once a second, so random kids sent by a
// stranger cannot hammer the database).
func (k *KeyRing) set(ctx context.Context, ws string, force bool) (*keySet, error) {
	now := k.now()
	k.mu.Lock()
	cur := k.sets[ws]
	k.mu.Unlock()
	if cur != nil && now.Sub(cur.fetched) < k.refresh && (!force || now.Sub(cur.lastForced) < time.Second) {
		return cur, nil
	}
	next, err := k.load(ctx, ws, now)
	if err != nil {
		if cur != nil && errors.Is(err, store.ErrUnavailable) {
			return cur, nil // keep signing with what we have while the database is away
		}
		return nil, err
	}
	if force {
		next.lastForced = now
	}
	k.mu.Lock()
	k.sets[ws] = next
	k.mu.Unlock()
	return next, nil
}

func (k *KeyRing) load(ctx context.Context, ws string, now time.Time) (*keySet, error) {
	records, err := k.keys.KeysByWorkspace(ctx, ws, now)
	if err != nil {
		return nil, err
	}
	set := &keySet{fetched: now, byKID: map[string]*signingKey{}, active: map[string]*signingKey{}}
	// Active keys first, newest first, so JWKS lists what signs now on top.
	slices.SortStableFunc(records, func(a, b store.SigningKey) int {
		if a.RetiredAt.IsZero() != b.RetiredAt.IsZero() {
			if a.RetiredAt.IsZero() {
				return -1
			}
			return 1
		}
		return b.CreatedAt.Compare(a.CreatedAt)
	})
	var jwks []json.RawMessage
	for _, rec := range records {
		sk, err := k.open(ws, rec)
		if err != nil {
			return nil, fmt.Errorf("key %s of %s: %w", rec.KID, ws, err)
		}
		set.byKID[rec.KID] = sk
		if rec.RetiredAt.IsZero() {
			if _, ok := set.active[rec.Alg]; !ok {
				set.active[rec.Alg] = sk
			}
		}
		jwks = append(jwks, rec.PublicJWK)
	}
	if set.jwks, err = json.Marshal(map[string]any{"keys": nonNil(jwks)}); err != nil {
		return nil, err
	}
	return set, nil
}

func nonNil(v []json.RawMessage) []json.RawMessage {
	if v == nil {
		return []json.RawMessage{}
	}
	return v
}

// open decrypts a key record and prepares its signing headers once.
func (k *KeyRing) open(ws string, rec store.SigningKey) (*signingKey, error) {
	alg, err := sigAlg(rec.Alg)
	if err != nil {
		return nil, err
	}
	der, err := k.sealer.Open(rec.PrivateKeyEncrypted, keyAAD(ws, rec.KID))
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a signing key")
	}
	sk := &signingKey{kid: rec.KID, alg: alg, public: signer.Public(), headers: jws.NewHeaders()}
	if rec.RetiredAt.IsZero() {
		sk.private = signer
	}
	return sk, sk.headers.Set(jws.KeyIDKey, rec.KID)
}

// JWKS returns the workspace's public JWK Set as JSON: active keys and
// retired keys still to be published, each with kid, alg and use "sig".
func (k *KeyRing) JWKS(ctx context.Context, ws string) ([]byte, error) {
	set, err := k.set(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	return set.jwks, nil
}

// Sign serialises claims with encoding/json and signs them as a compact JWS
// with the active key of alg, with protected headers alg, kid and typ.
func (k *KeyRing) Sign(ctx context.Context, ws, alg, typ string, claims any) (string, error) {
	set, err := k.set(ctx, ws, false)
	if err != nil {
		return "", err
	}
	sk, ok := set.active[alg]
	if !ok {
		return "", fmt.Errorf("workspace %s has no active %s key", ws, alg)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr, err := sk.headers.Clone()
	if err != nil {
		return "", err
	}
	if err := hdr.Set(jws.TypeKey, typ); err != nil {
		return "", err
	}
	out, err := jws.Sign(payload, jws.WithKey(sk.alg, sk.private, jws.WithProtectedHeaders(hdr)))
	return string(out), err
}

// ErrInvalidSignature is returned for any token that does not verify.
var ErrInvalidSignature = errors.New("invalid signature")

// header is the part of a JOSE header verification looks at.
type header struct {
	Alg, Kid, Typ string
}

// Verify checks token is a compact JWS signed by one of ws's published keys
// (found by kid; alg must equal the key's alg), with header typ equal to
// typ (case-insensitive, "application/" prefix allowed, RFC 8725 §3.11;
// "" skips the check), and returns the payload. Any failure wraps
// ErrInvalidSignature.
func (k *KeyRing) Verify(ctx context.Context, ws, token, typ string) ([]byte, error) {
	h, err := parseHeader(token)
	if err != nil {
		return nil, err
	}
	if typ != "" && !typMatches(h.Typ, typ) {
		return nil, fmt.Errorf("%w: typ %q, want %q", ErrInvalidSignature, h.Typ, typ)
	}
	set, err := k.set(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	sk, ok := set.byKID[h.Kid]
	if !ok {
		if set, err = k.set(ctx, ws, true); err != nil {
			return nil, err
		}
		if sk, ok = set.byKID[h.Kid]; !ok {
			return nil, fmt.Errorf("%w: unknown kid", ErrInvalidSignature)
		}
	}
	// RFC 8725 §3.1: the key decides the algorithm, not the token.
	if h.Alg != sk.alg.String() {
		return nil, fmt.Errorf("%w: alg %q does not match the key", ErrInvalidSignature, h.Alg)
	}
	payload, err := jws.VerifyCompactFast(sk.public, []byte(token), sk.alg)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	return payload, nil
}

// parseHeader decodes the protected header strictly: duplicate members
// are refused (RFC 7515 §4), as is any crit (RFC 7515 §4.1.11: we
// understand no extensions).
func parseHeader(token string) (header, error) {
	var h header
	seg, _, ok := strings.Cut(token, ".")
	if !ok || strings.Count(token, ".") != 2 {
		return h, fmt.Errorf("%w: not a compact JWS", ErrInvalidSignature)
	}
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return h, fmt.Errorf("%w: header is not base64url", ErrInvalidSignature)
	}
	obj, err := strictjson.DecodeObject(raw)
	if err != nil {
		return h, fmt.Errorf("%w: header: %v", ErrInvalidSignature, err)
	}
	// Members are read by exact name: "ALG" is not "alg".
	for name, dst := range map[string]*string{"alg": &h.Alg, "kid": &h.Kid, "typ": &h.Typ} {
		if v, ok := obj[name]; ok && json.Unmarshal(v, dst) != nil {
			return h, fmt.Errorf("%w: header %s is not a string", ErrInvalidSignature, name)
		}
	}
	if _, ok := obj["crit"]; ok {
		return h, fmt.Errorf("%w: crit extensions are not supported", ErrInvalidSignature)
	}
	return h, nil
}

func typMatches(got, want string) bool {
	got = strings.ToLower(got)
	want = strings.ToLower(want)
	return got == want || got == "application/"+want
}
