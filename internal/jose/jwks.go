package jose

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/registrar-dev/registrar/internal/memo"
)

// CandidateKeySet is a KeySet whose keys need not name their algorithm, as
// a client's or a directory's JWK Set often does not (RFC 7517 §4.4: alg is
// optional). A Verifier asks it for every key that may verify a token of
// alg under kid and accepts the token if one of them does.
type CandidateKeySet interface {
	KeySet
	// Candidates returns the keys that may verify alg: those kid names, or
	// every key of a type that fits alg when kid is "". None is an error
	// wrapping ErrUnknownKey; any other error is the set failing.
	Candidates(ctx context.Context, kid, alg string) ([]Key, error)
}

// JWKS is the verification keys of a JWK Set document.
type JWKS struct {
	keys []jwksKey
}

type jwksKey struct {
	kid string
	// alg is the key's alg member; "" lets the key verify any alg its type
	// fits.
	alg    string
	public any
}

// maxJWKSKeys bounds the keys read from one document, so a hostile set
// costs a bounded number of signature checks per token.
const maxJWKSKeys = 20

// ParseJWKS reads the public signing keys of a JWK Set. Keys this server
// could not verify with — encryption keys (use "enc"), unknown types,
// private or symmetric keys — are skipped rather than failing the set, as
// a directory may publish keys for other purposes beside its signing keys.
// A document that is not a JWK Set is an error.
//
// Sets parsed are remembered by their bytes (parsing an EC key costs more
// than the signature check it serves, and the same set is read per
// request: a client's registered jwks, a directory's, a fetched document).
// A JWKS is never modified once parsed, so one may be shared.
func ParseJWKS(doc []byte) (JWKS, error) {
	if set, ok := parsedJWKS.Get(string(doc)); ok {
		return set, nil
	}
	set, err := parseJWKS(doc)
	if err == nil {
		parsedJWKS.Put(string(doc), set)
	}
	return set, err
}

var parsedJWKS = memo.New[string, JWKS](1024)

func parseJWKS(doc []byte) (JWKS, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil || set.Keys == nil {
		return JWKS{}, errors.New(`not a JWK Set object {"keys":[...]}`)
	}
	var out JWKS
	for _, raw := range set.Keys {
		if k, ok := parseSigningKey(raw); ok && len(out.keys) < maxJWKSKeys {
			out.keys = append(out.keys, k)
		}
	}
	return out, nil
}

func parseSigningKey(raw json.RawMessage) (jwksKey, bool) {
	key, err := jwk.ParseKey(raw)
	if err != nil {
		return jwksKey{}, false
	}
	if use, ok := key.KeyUsage(); ok && use != "sig" {
		return jwksKey{}, false
	}
	var pub any
	if err := jwk.Export(key, &pub); err != nil {
		return jwksKey{}, false
	}
	k := jwksKey{public: pub}
	k.kid, _ = key.KeyID()
	if alg, ok := key.Algorithm(); ok {
		k.alg = alg.String()
	}
	// A private or symmetric key fits no alg (keyFits takes public keys
	// only), so it is dropped here.
	if !fitsAny(k.public) || (k.alg != "" && !keyFits(k.alg, k.public)) {
		return jwksKey{}, false
	}
	return k, true
}

func fitsAny(pub any) bool {
	for alg := range algorithms {
		if keyFits(alg, pub) {
			return true
		}
	}
	return false
}

// Len is the number of usable keys.
func (s JWKS) Len() int { return len(s.keys) }

// HasKeyWithoutKid reports whether a usable key of the set names no kid.
func (s JWKS) HasKeyWithoutKid() bool {
	return slices.ContainsFunc(s.keys, func(k jwksKey) bool { return k.kid == "" })
}

// Candidates implements CandidateKeySet.
func (s JWKS) Candidates(_ context.Context, kid, alg string) ([]Key, error) {
	var out []Key
	for _, k := range s.keys {
		if kid != "" && k.kid != kid {
			continue
		}
		if (k.alg == "" || k.alg == alg) && keyFits(alg, k.public) {
			out = append(out, Key{Alg: alg, Public: k.public})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no key for kid %q and alg %s: %w", kid, alg, ErrUnknownKey)
	}
	return out, nil
}

// Key implements KeySet for keys that name their alg.
func (s JWKS) Key(_ context.Context, kid string) (Key, error) {
	for _, k := range s.keys {
		if k.kid == kid && k.alg != "" {
			return Key{Alg: k.alg, Public: k.public}, nil
		}
	}
	return Key{}, fmt.Errorf("kid %q: %w", kid, ErrUnknownKey)
}

// HasPublicKey reports whether set holds pub, whatever its kid or alg, as
// self_signed_tls_client_auth matches a certificate's key (RFC 8705 §2.2).
// A fetched set lacking it is fetched once more past the cache (the client
// may have just added the key), as a token's unknown kid is.
func HasPublicKey(ctx context.Context, set KeySet, pub crypto.PublicKey) (bool, error) {
	switch s := set.(type) {
	case JWKS:
		return s.has(pub), nil
	case RemoteJWKS:
		for _, refresh := range []bool{false, true} {
			doc, err := s.set(ctx, refresh)
			if err != nil || doc.has(pub) {
				return err == nil, err
			}
		}
	}
	return false, nil
}

func (s JWKS) has(pub crypto.PublicKey) bool {
	want, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && slices.ContainsFunc(s.keys, func(k jwksKey) bool { return want.Equal(k.public) })
}

// RemoteJWKS is a JWK Set fetched from a URL. Get returns the document,
// from a cache unless refresh is set; a kid the cached document lacks is
// looked for once more in a refreshed one (the signer may have rotated
// its keys), and Get decides how often that may reach the network.
type RemoteJWKS struct {
	Get func(ctx context.Context, refresh bool) ([]byte, error)
}

// Candidates implements CandidateKeySet.
func (r RemoteJWKS) Candidates(ctx context.Context, kid, alg string) ([]Key, error) {
	keys, err := r.candidates(ctx, kid, alg, false)
	if errors.Is(err, ErrUnknownKey) && kid != "" {
		return r.candidates(ctx, kid, alg, true)
	}
	return keys, err
}

// Key implements KeySet; a Verifier asks Candidates, which knows the
// token's alg.
func (r RemoteJWKS) Key(context.Context, string) (Key, error) {
	return Key{}, fmt.Errorf("a fetched key set needs the token's alg: %w", ErrUnknownKey)
}

// DocumentFetcher reads a document at a URL: from a cache (JSON) or past
// it (Refresh). internal/fetch.Fetcher is one.
type DocumentFetcher interface {
	JSON(ctx context.Context, url string) ([]byte, error)
	Refresh(ctx context.Context, url string) ([]byte, error)
}

// FetchedJWKS is the JWK Set at url, read through f.
func FetchedJWKS(f DocumentFetcher, url string) RemoteJWKS {
	return RemoteJWKS{Get: func(ctx context.Context, refresh bool) ([]byte, error) {
		if refresh {
			return f.Refresh(ctx, url)
		}
		return f.JSON(ctx, url)
	}}
}

func (r RemoteJWKS) candidates(ctx context.Context, kid, alg string, refresh bool) ([]Key, error) {
	set, err := r.set(ctx, refresh)
	if err != nil {
		return nil, err
	}
	return set.Candidates(ctx, kid, alg)
}

// set fetches and parses the document. A document that is no JWK Set is
// the set failing, not the token: it is returned as is.
func (r RemoteJWKS) set(ctx context.Context, refresh bool) (JWKS, error) {
	doc, err := r.Get(ctx, refresh)
	if err != nil {
		return JWKS{}, err
	}
	return ParseJWKS(doc)
}

// SharedSecret is the key set of HMAC algorithms (HS256/384/512) keyed
// with secret, as client_secret_jwt is (RFC 7523 §2.2, OIDC Core §9: the
// octets of the client secret).
type SharedSecret []byte

// Candidates implements CandidateKeySet.
func (s SharedSecret) Candidates(_ context.Context, _, alg string) ([]Key, error) {
	if !IsHMAC(alg) || len(s) == 0 {
		return nil, fmt.Errorf("alg %s is not keyed with the shared secret: %w", alg, ErrUnknownKey)
	}
	return []Key{{Alg: alg, Public: []byte(s)}}, nil
}

// Key implements KeySet; a shared secret names no alg, so Candidates is
// the way to use it.
func (s SharedSecret) Key(context.Context, string) (Key, error) {
	return Key{}, fmt.Errorf("a shared secret needs the token's alg: %w", ErrUnknownKey)
}
