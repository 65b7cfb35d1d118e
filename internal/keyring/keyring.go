package keyring

import (
	"cmp"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/memo"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Ring serves the signing keys of all workspaces from a cache refreshed
// from the store, so that a rotation done on one node (or by the CLI) is
// seen by every node within the refresh interval, and at once on an
// unknown kid.
//
// Each workspace has an immutable snapshot behind an atomic pointer: Sign,
// Verify and JWKS only load it, and one caller at a time reloads it.
type Ring struct {
	keys    store.Keys
	sealer  *masterkey.Sealer
	now     func() time.Time
	refresh time.Duration

	states   sync.Map // workspace name → *wsState
	verified *memo.Map[verifyKey, verifiedToken]
}

// wsState is one workspace's cache slot.
type wsState struct {
	snap atomic.Pointer[keySet]
	// mu serialises reloads, so a stale snapshot costs one query however
	// many requests notice it.
	mu         sync.Mutex
	lastForced time.Time // guarded by mu
}

// keySet is an immutable snapshot of one workspace's keys.
type keySet struct {
	fetched time.Time
	byKID   map[string]*signingKey
	// signers lists, per alg, the keys that sign from now on, in the
	// order they take turns (see signer): keys still to retire, soonest
	// first, then the active key.
	signers map[string][]*signingKey
	jwks    []byte
}

type signingKey struct {
	verify jose.Key
	signer *jose.Signer // nil for a retired key (never used to sign)
	// signsUntil is zero for an active key. A rotation sets it ahead, to
	// when the key's successor starts signing.
	signsUntil time.Time
	// publishUntil is zero for an active key. A retired key stops
	// verifying at that instant even if the snapshot is older.
	publishUntil time.Time
}

// forcedRefreshEvery bounds reloads caused by unknown kids: a stranger
// sending random kids costs at most one query per workspace per second.
const forcedRefreshEvery = time.Second

// New returns a Ring over keys, whose private parts sealer seals. now is
// the clock (time.Now in production); refresh is how old a snapshot may
// get before the next use reloads it.
func New(keys store.Keys, sealer *masterkey.Sealer, now func() time.Time, refresh time.Duration) *Ring {
	return &Ring{keys: keys, sealer: sealer, now: now, refresh: refresh, verified: memo.New[verifyKey, verifiedToken](verifyCacheSize)}
}

// retirePublish is how long a key displaced by a concurrent EnsureKeys on
// another node stays published: longer than any token lifetime we allow.
const retirePublish = 48 * time.Hour

// EnsureKeys creates an active key for every alg in workspace.SigningAlgs
// that has none, in one RotateKeys call, then re-reads the store.
//
// Two nodes racing may both insert. If one transaction sees the other's
// key, RotateKeys retires it (it stays published for retirePublish, so
// anything it signed meanwhile still verifies). If neither sees the other,
// both stay active and every node signs with the same one: the newest by
// CreatedAt, then the greatest kid (see sortKeys).
func (k *Ring) EnsureKeys(ctx context.Context, ws string) error {
	now := k.now()
	existing, err := k.keys.KeysByWorkspace(ctx, ws, now)
	if err != nil {
		return err
	}
	var fresh []store.SigningKey
	for _, alg := range workspace.SigningAlgs {
		if slices.ContainsFunc(existing, func(sk store.SigningKey) bool { return sk.Alg == alg && sk.RetiredAt.IsZero() }) {
			continue
		}
		sk, err := GenerateKey(ws, alg, k.sealer, now)
		if err != nil {
			return err
		}
		fresh = append(fresh, sk)
	}
	if len(fresh) > 0 {
		if err := k.keys.RotateKeys(ctx, ws, fresh, now, now.Add(retirePublish)); err != nil {
			return err
		}
	}
	return k.reloadNow(ctx, ws)
}

// Rotation is what Rotate did.
type Rotation struct {
	// Keys are the new keys, one per alg, in the JWKS from now on.
	Keys []store.SigningKey
	// SignsFrom is when the new keys take over signing from the old ones.
	SignsFrom time.Time
	// OldPublishedUntil is when the old keys leave the JWKS.
	OldPublishedUntil time.Time
}

// Rotate adds a new key for every alg and schedules the old ones to
// retire. The new keys are in the JWKS at once but sign only from
// SignsFrom, PrepublishFor later: a verifier may keep a JWKS fetched just
// before the rotation for jwksMaxAge, and would refuse tokens of a key it
// has not seen until its cache expired.
// A rotation thus breaks no verifier (docs/design-notes.md).
//
// The old keys sign until SignsFrom and stay published for publishFor
// (the longest token lifetime) after that, plus the refresh interval: a
// node whose store is unreachable keeps signing with the keys it has.
func (k *Ring) Rotate(ctx context.Context, ws string, publishFor, jwksMaxAge time.Duration) (Rotation, error) {
	now := k.now()
	var fresh []store.SigningKey
	for _, alg := range workspace.SigningAlgs {
		sk, err := GenerateKey(ws, alg, k.sealer, now)
		if err != nil {
			return Rotation{}, err
		}
		fresh = append(fresh, sk)
	}
	// Truncated as the store keeps it, so what we print is what nodes read.
	r := Rotation{Keys: fresh, SignsFrom: now.Add(k.PrepublishFor(jwksMaxAge)).Truncate(time.Microsecond)}
	r.OldPublishedUntil = r.SignsFrom.Add(publishFor + k.refresh)
	if err := k.keys.RotateKeys(ctx, ws, fresh, r.SignsFrom, r.OldPublishedUntil); err != nil {
		return Rotation{}, err
	}
	// The rotation is committed: a failed reload only drops the snapshot,
	// and the next use loads it again.
	_ = k.reloadNow(ctx, ws)
	return r, nil
}

// PrepublishFor is how long a rotated-in key is published before it
// signs: the JWKS max-age, plus the refresh interval, since the JWKS a
// verifier cached may come from a node that had not yet re-read the keys.
// It counts on every node re-reading keys at least as often as this
// process (one key_refresh for all).
func (k *Ring) PrepublishFor(jwksMaxAge time.Duration) time.Duration {
	return jwksMaxAge + k.refresh
}

// reloadNow replaces ws's snapshot with the store's current keys.
func (k *Ring) reloadNow(ctx context.Context, ws string) error {
	st := k.state(ws)
	st.mu.Lock()
	defer st.mu.Unlock()
	now := k.now()
	next, err := k.load(ctx, ws, now)
	if err != nil {
		st.snap.Store(nil) // the next use retries rather than serve what we know is stale
		return err
	}
	st.snap.Store(next)
	return nil
}

func (k *Ring) state(ws string) *wsState {
	if st, ok := k.states.Load(ws); ok {
		return st.(*wsState)
	}
	st, _ := k.states.LoadOrStore(ws, &wsState{})
	return st.(*wsState)
}

// set returns a fresh enough snapshot of ws's keys. A missing snapshot is
// loaded (callers wait for one load). A stale one is reloaded by one
// caller while the others keep using it. force reloads because a kid or
// an alg was not found, at most once per forcedRefreshEvery.
func (k *Ring) set(ctx context.Context, ws string, force bool) (*keySet, error) {
	st := k.state(ws)
	cur := st.snap.Load()
	if cur != nil && !force {
		now := k.now()
		if now.Sub(cur.fetched) < k.refresh || !st.mu.TryLock() {
			return cur, nil
		}
	} else {
		st.mu.Lock()
	}
	defer st.mu.Unlock()
	return k.reload(ctx, ws, st, cur, force)
}

// reload runs with st.mu held.
func (k *Ring) reload(ctx context.Context, ws string, st *wsState, seen *keySet, force bool) (*keySet, error) {
	now := k.now()
	latest := st.snap.Load()
	if latest != nil && latest != seen {
		return latest, nil // another caller reloaded while we waited
	}
	if force && latest != nil {
		if now.Sub(st.lastForced) < forcedRefreshEvery {
			return latest, nil
		}
		st.lastForced = now
	}
	next, err := k.load(ctx, ws, now)
	if err != nil {
		return k.keepServing(st, latest, now, err)
	}
	st.snap.Store(next)
	return next, nil
}

// keepServing decides what a failed reload leaves behind. While the
// database is away, nodes keep signing and verifying with the keys they
// have (retrying once a second); any other failure is the caller's.
func (k *Ring) keepServing(st *wsState, cur *keySet, now time.Time, err error) (*keySet, error) {
	if cur == nil || !errors.Is(err, store.ErrUnavailable) {
		return nil, err
	}
	retry := *cur
	retry.fetched = now.Add(forcedRefreshEvery - k.refresh)
	st.snap.Store(&retry)
	return cur, nil
}

func (k *Ring) load(ctx context.Context, ws string, now time.Time) (*keySet, error) {
	records, err := k.keys.KeysByWorkspace(ctx, ws, now)
	if err != nil {
		return nil, err
	}
	sortKeys(records)
	set := &keySet{fetched: now, byKID: map[string]*signingKey{}, signers: map[string][]*signingKey{}}
	jwks := []json.RawMessage{}
	for _, rec := range records {
		if _, dup := set.byKID[rec.KID]; dup {
			continue
		}
		sk, err := k.open(ws, rec, now)
		if err != nil {
			return nil, fmt.Errorf("key %s of %s: %w", rec.KID, ws, err)
		}
		set.byKID[rec.KID] = sk
		set.addSigner(rec.Alg, sk)
		// Rendered from the key we verify with, not the stored JSON, so
		// the JWKS can neither leak a private member nor disagree with
		// verification (RFC 7517 §5).
		pub, err := jose.PublicJWK(sk.verify.Public, rec.KID, rec.Alg)
		if err != nil {
			return nil, err
		}
		jwks = append(jwks, pub)
	}
	if set.jwks, err = json.Marshal(map[string]any{"keys": jwks}); err != nil {
		return nil, err
	}
	return set, nil
}

// addSigner files sk under alg if it may still sign. Keys come in
// sortKeys order, so the first active key of an alg is the one kept.
func (set *keySet) addSigner(alg string, sk *signingKey) {
	list := set.signers[alg]
	switch {
	case sk.signer == nil:
		return
	case sk.signsUntil.IsZero():
		if len(list) > 0 && list[len(list)-1].signsUntil.IsZero() {
			return // another active key already signs
		}
		set.signers[alg] = append(list, sk)
	default:
		// Retiring keys sign in turn, soonest to retire first: after
		// rotations in quick succession, each new key waits its full
		// pre-publication.
		i, _ := slices.BinarySearchFunc(list, sk, func(a, b *signingKey) int {
			if a.signsUntil.IsZero() {
				return 1
			}
			return a.signsUntil.Compare(b.signsUntil)
		})
		set.signers[alg] = slices.Insert(list, i, sk)
	}
}

// signer returns the key that signs for alg now: the first that has not
// retired yet. A snapshot thus switches keys at the scheduled instant,
// without waiting for a reload. The clock is read only during a rotation.
func (set *keySet) signer(alg string, now func() time.Time) (*signingKey, bool) {
	for _, sk := range set.signers[alg] {
		if sk.signsUntil.IsZero() || now().Before(sk.signsUntil) {
			return sk, true
		}
	}
	return nil, false
}

// sortKeys orders keys active first, then newest first (CreatedAt, then
// kid descending): of two active keys of an alg the first signs, and
// every node picks the same one from the same rows. The JWKS keeps this
// order, so it is stable between reloads.
func sortKeys(records []store.SigningKey) {
	slices.SortFunc(records, func(a, b store.SigningKey) int {
		if a.RetiredAt.IsZero() != b.RetiredAt.IsZero() {
			if a.RetiredAt.IsZero() {
				return -1
			}
			return 1
		}
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.KID, a.KID)
	})
}

// open decrypts a key record once per load, so signing never re-parses.
// The public key is derived from the sealed (authenticated) private key,
// not from the stored public JWK, which nothing authenticates. The
// private key is kept while the key may sign: until RetiredAt, which a
// rotation sets ahead of now.
func (k *Ring) open(ws string, rec store.SigningKey, now time.Time) (*signingKey, error) {
	der, err := k.sealer.Open(rec.PrivateKeyEncrypted, keyAAD(ws, rec.KID))
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	private, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a signing key")
	}
	signer, err := jose.NewSigner(rec.KID, rec.Alg, private)
	if err != nil {
		return nil, err
	}
	sk := &signingKey{verify: jose.Key{Alg: rec.Alg, Public: private.Public()}, signsUntil: rec.RetiredAt, publishUntil: rec.PublishUntil}
	if rec.RetiredAt.IsZero() || now.Before(rec.RetiredAt) {
		sk.signer = signer
	}
	return sk, nil
}

// JWKS returns the workspace's public JWK Set as JSON: active keys and
// retired keys still to be published, each with kid, alg and use "sig"
// (RFC 7517 §4, §5), active first. The bytes are shared: do not modify.
func (k *Ring) JWKS(ctx context.Context, ws string) ([]byte, error) {
	set, err := k.set(ctx, ws, false)
	if err != nil {
		return nil, err
	}
	return set.jwks, nil
}
