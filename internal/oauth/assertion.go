package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// JWTBearer is the only client_assertion_type accepted (RFC 7523 §2.2).
const JWTBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionSkew is how far ahead of our clock a client's iat and nbf may
// be (RFC 7523 §3 allows "some small leeway").
const assertionSkew = 60 * time.Second

// maxJTILen bounds the jti: it is hashed before it is stored, but a
// megabyte of it would still be hashed.
const maxJTILen = 512

// JWKSFetcher fetches a client's jwks_uri (fetch.Fetcher): JSON from its
// cache, Refresh past it (at most once a minute per URL), for a kid the
// cached document lacks.
type JWKSFetcher = jose.DocumentFetcher

// SecretOpener opens the sealed secret of a client_secret_jwt client
// (masterkey.Sealer, under client.SecretAAD).
type SecretOpener interface {
	Open(sealed, aad []byte) ([]byte, error)
}

// assertionCheck is what checking a client assertion needs beyond the
// client: the request's workspace and context, where keys come from, and
// the store that remembers each jti.
type assertionCheck struct {
	ctx     context.Context
	ws      workspace.Workspace
	issuer  string
	fetcher JWKSFetcher
	secrets SecretOpener
	used    store.UsedRequests
}

// audiences are the aud values an assertion may carry: the token
// endpoint URL (RFC 7523 §3) or the issuer (OIDC Core §9 lets the
// issuer stand for the server), at every endpoint that authenticates
// clients.
func (c *assertionCheck) audiences() []string {
	return []string{c.issuer + "/oauth2/token", c.issuer}
}

// algs are the algs an assertion may use before the client is known:
// the workspace's asymmetric algs and HMAC. The client's method and
// registered alg narrow them (clientAlgs).
func (c *assertionCheck) algs() []string {
	return slices.Concat(c.ws.Settings.AssertionAlgs(), client.HMACAlgs)
}

// assertionClaims are the claims RFC 7523 §3 has a client assertion carry.
type assertionClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience audience `json:"aud"`
	// NumericDates may have a fraction (RFC 7519 §2); nil is absent.
	Expiry    *float64 `json:"exp"`
	IssuedAt  *float64 `json:"iat"`
	NotBefore *float64 `json:"nbf"`
	JTI       string   `json:"jti"`
}

// errAssertion is a refused assertion. RFC 7523 §3.1: invalid_client, as
// for a wrong secret, with the Basic challenge.
func errAssertion(format string, args ...any) error {
	return errInvalidClient("client authentication failed: the client assertion "+format, args...)
}

// errAssertionNotVerified answers an assertion whose signature does not
// verify and, in the same words, one naming a client that does not exist
// or that registered another method: a prober learns nothing of which
// client ids exist.
var errAssertionNotVerified = errAssertion("is not signed by a key, or with an alg, registered for the client")

// decodeAssertion reads the claims of a compact JWS without verifying
// it: what it says is checked against the client's keys afterwards.
func decodeAssertion(token string) (assertionClaims, error) {
	var c assertionClaims
	if err := jose.CheckSize(token); err != nil {
		return c, errAssertion("is longer than %d bytes", jose.MaxTokenSize)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errAssertion("is not a compact JWS (header.payload.signature)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &c) != nil {
		return c, errAssertion("payload is not a base64url JSON object of JWT claims")
	}
	return c, nil
}

// decodeWithSubject decodes an assertion that names its client in sub,
// which RFC 7523 §3 makes the client_id: with it a request needs no
// client_id.
func decodeWithSubject(token string) (assertionClaims, error) {
	c, err := decodeAssertion(token)
	if err != nil {
		return c, err
	}
	if c.Subject == "" {
		return c, errAssertion("has no sub; it must be the client_id")
	}
	return c, nil
}

// precheck applies every rule that does not need the client's keys, for
// any client id, so that what it says is no answer to whether a client
// exists: the header (alg allowed, none never), iss = sub = client_id,
// aud, exp, the lifetime, iat, nbf, jti. It returns the claims.
func (c *assertionCheck) precheck(ev ClientEvidence, now time.Time) (assertionClaims, error) {
	if ev.Assertion.Type != JWTBearer {
		return assertionClaims{}, errInvalidClient("client authentication failed: client_assertion_type must be %s", JWTBearer)
	}
	h, err := jose.ParseHeader(ev.Assertion.Value)
	if err != nil {
		return assertionClaims{}, errAssertion("header is malformed: %v", unwrapSignature(err))
	}
	if err := jose.CheckHeader(h, c.algs(), ""); err != nil {
		return assertionClaims{}, errAssertion("header is refused: %v; algs accepted: %s", unwrapSignature(err), strings.Join(c.algs(), ", "))
	}
	claims, err := ev.Assertion.decoded()
	if err != nil {
		return claims, err
	}
	if claims.Issuer != ev.ClientID || claims.Subject != ev.ClientID {
		return claims, errAssertion("must have iss and sub both equal to the client_id")
	}
	if !c.audienceOK(claims.Audience) {
		return claims, errAssertion("aud must be the token endpoint URL %s or the issuer %s (a string, or an array of these only)", c.audiences()[0], c.issuer)
	}
	if err := c.checkTimes(claims, now); err != nil {
		return claims, err
	}
	if claims.JTI == "" || len(claims.JTI) > maxJTILen {
		return claims, errAssertion("must have a jti (at most %d characters) that is never used again", maxJTILen)
	}
	return claims, nil
}

// audienceOK: aud is one of our audiences, or an array of them only.
// RFC 7523 §3 asks only that aud contain one; an array naming any other
// audience is refused too, so an assertion made for another server (or
// for several at once) cannot be played here.
func (c *assertionCheck) audienceOK(aud audience) bool {
	if len(aud) == 0 {
		return false
	}
	for _, a := range aud {
		if !slices.Contains(c.audiences(), a) {
			return false
		}
	}
	return true
}

// checkTimes: exp is required and in the future; iat and nbf, when
// present, are not later than now plus the skew; the lifetime, from iat
// (or now) to exp, is within the workspace's bound.
func (c *assertionCheck) checkTimes(claims assertionClaims, now time.Time) error {
	if claims.Expiry == nil {
		return errAssertion("has no exp")
	}
	exp := numericDate(*claims.Expiry)
	if !now.Before(exp) {
		return errAssertion("has expired (exp %s, now %s)", exp.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	start := now
	if claims.IssuedAt != nil {
		start = numericDate(*claims.IssuedAt)
		if start.After(now.Add(assertionSkew)) {
			return errAssertion("iat is in the future (more than %s ahead of the server's clock)", assertionSkew)
		}
	}
	if claims.NotBefore != nil && numericDate(*claims.NotBefore).After(now.Add(assertionSkew)) {
		return errAssertion("is not valid yet (nbf)")
	}
	if max := c.ws.Settings.AssertionMaxLifetime(); exp.Sub(start) > max {
		return errAssertion("lives too long: exp − iat (or exp − now without iat) exceeds %d seconds", int64(max/time.Second))
	}
	return nil
}

// numericDate reads a NumericDate, clamped to ±2^40 s (some 35,000 years)
// so that a huge value cannot overflow into the past or the present.
func numericDate(v float64) time.Time {
	const limit = 1 << 40
	sec, frac := math.Modf(max(min(v, limit), -limit))
	return time.Unix(int64(sec), int64(frac*float64(time.Second)))
}

// unwrapSignature drops the "invalid signature: " prefix jose's header
// errors carry, which would mislead: the header was refused before any
// signature was looked at.
func unwrapSignature(err error) string {
	return strings.TrimPrefix(err.Error(), jose.ErrInvalidSignature.Error()+": ")
}

// verify checks the assertion's signature with keys and algs, then spends
// its jti: once across every node until it expires.
func (c *assertionCheck) verify(cl client.Client, ev ClientEvidence, claims assertionClaims, keys jose.KeySet, algs []string) error {
	v := jose.Verifier{Keys: keys, Algs: algs}
	if _, h, err := v.Verify(c.ctx, ev.Assertion.Value); err != nil {
		if !errors.Is(err, jose.ErrInvalidSignature) {
			// The client's jwks_uri failed; the operator's log says why,
			// the answer does not, as it would say the client exists.
			httpapi.Logger(c.ctx).Warn("client assertion: the client's keys could not be read", "client_id", cl.ID, "err", err)
		}
		if !signatureChecked(err, h, algs) {
			// A kid or alg the client has no key for is refused before
			// any signature check, where an unknown client's assertion
			// costs a decoy's: spend one, or a random kid would time
			// which client ids exist.
			c.spendDecoy(ev)
		}
		return errAssertionNotVerified
	}
	fresh, err := c.used.UseRequestOnce(c.ctx, c.ws.Name, assertionJTIKey(cl.ID, claims.JTI), numericDate(*claims.Expiry))
	if err != nil {
		return err
	}
	if !fresh {
		return errAssertion("has been used before (its jti); make a new one for every request")
	}
	return nil
}

// signatureChecked reports whether a failed verification got as far as
// checking a signature: not when the alg was refused, no key fitted it,
// or the keys could not be had.
// h is the header Verify read; its alg is "" when the header did not parse.
func signatureChecked(err error, h jose.Header, algs []string) bool {
	return slices.Contains(algs, h.Alg) && errors.Is(err, jose.ErrInvalidSignature) && !errors.Is(err, jose.ErrUnknownKey)
}

// spendDecoy checks the assertion against decoy keys, for a client that
// does not exist or registered another method: the refusal then costs
// what a bad signature costs a real client, so its time does not tell
// whether the client exists either.
func (c *assertionCheck) spendDecoy(ev ClientEvidence) {
	v := jose.Verifier{Keys: decoySet(), Algs: c.algs()}
	v.Verify(c.ctx, ev.Assertion.Value)
}

// decoyKeys are a key for each alg an assertion may use, which no client
// has: made once, on the first refusal that needs them.
type decoyKeys map[string]crypto.PublicKey

var decoys = sync.OnceValue(func() decoyKeys {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	hmacKey := make([]byte, 32)
	rand.Read(hmacKey)
	d := decoyKeys{"ES256": &p256.PublicKey, "ES384": &p384.PublicKey, "ES512": &p521.PublicKey, "EdDSA": edPub}
	for _, alg := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"} {
		d[alg] = &rsaKey.PublicKey
	}
	for _, alg := range client.HMACAlgs {
		d[alg] = hmacKey
	}
	return d
})

// decoySet is where spendDecoy finds its keys (tests count its use).
var decoySet = func() jose.CandidateKeySet { return decoys() }

// Candidates implements jose.CandidateKeySet, whatever the kid.
func (d decoyKeys) Candidates(_ context.Context, _, alg string) ([]jose.Key, error) {
	pub, ok := d[alg]
	if !ok {
		return nil, jose.ErrUnknownKey
	}
	return []jose.Key{{Alg: alg, Public: pub}}, nil
}

// Key implements jose.KeySet; Candidates is the way to use decoys.
func (d decoyKeys) Key(context.Context, string) (jose.Key, error) {
	return jose.Key{}, jose.ErrUnknownKey
}

// assertionJTIKey names a spent jti in used_requests: namespaced, so it
// meets no other single-use value, and hashed with the client id, so its
// length is bounded and two clients' jtis never collide.
func assertionJTIKey(clientID, jti string) string {
	sum := sha256.Sum256([]byte(clientID + "\x00" + jti))
	return "jti:assertion:" + hex.EncodeToString(sum[:])
}

// clientAlgs narrows the algs to the client's registered
// token_endpoint_auth_signing_alg, if any (OIDC Registration §2: every
// assertion is refused that is not signed with it).
func clientAlgs(cl client.Client, algs []string) []string {
	if alg := cl.Metadata.TokenEndpointAuthSigningAlg; alg != "" {
		if slices.Contains(algs, alg) {
			return []string{alg}
		}
		return nil
	}
	return algs
}

// privateKeyJWT is private_key_jwt: an assertion signed with a key of the
// client's jwks or jwks_uri (RFC 7523 §2.2, OIDC Core §9).
type privateKeyJWT struct{}

func (privateKeyJWT) takesAssertions() {}

func (privateKeyJWT) presented(ev ClientEvidence) bool { return ev.Assertion.present() }

func (privateKeyJWT) verify(a clientAuth, cl client.Client, ev ClientEvidence) error {
	keys, err := a.assertions.clientKeys(cl)
	if err != nil {
		return err
	}
	return a.assertions.verify(cl, ev, a.claims, keys, clientAlgs(cl, a.assertions.ws.Settings.AssertionAlgs()))
}

// clientKeys is the key set of a private_key_jwt client.
func (c *assertionCheck) clientKeys(cl client.Client) (jose.KeySet, error) {
	return clientKeySet(c.ctx, c.fetcher, cl)
}

// clientKeySet is the key set a client registered, inline (jwks) or
// behind its jwks_uri, which its assertions and request objects verify with.
func clientKeySet(ctx context.Context, fetcher JWKSFetcher, cl client.Client) (jose.KeySet, error) {
	if raw := cl.Metadata.JWKS; len(raw) > 0 {
		set, err := jose.ParseJWKS(raw)
		if err != nil {
			// Validated at registration, so this is a record gone bad.
			return nil, fmt.Errorf("client %s: registered jwks: %w", cl.ID, err)
		}
		return set, nil
	}
	url := cl.Metadata.JWKSURI
	if fetcher == nil || url == "" {
		httpapi.Logger(ctx).Warn("this server cannot fetch jwks_uri, so a client that registered one cannot prove its signatures", "client_id", cl.ID)
		return jose.JWKS{}, nil
	}
	return jose.FetchedJWKS(fetcher, url), nil
}

// clientSecretJWT is client_secret_jwt: an assertion MACed with the
// client secret (RFC 7523 §2.2, OIDC Core §9), which only such clients
// have kept sealed.
type clientSecretJWT struct{}

func (clientSecretJWT) takesAssertions() {}

func (clientSecretJWT) presented(ev ClientEvidence) bool { return ev.Assertion.present() }

func (clientSecretJWT) verify(a clientAuth, cl client.Client, ev ClientEvidence) error {
	if len(cl.SealedSecret) == 0 || a.assertions.secrets == nil {
		return errAssertionNotVerified
	}
	sec, err := a.assertions.secrets.Open(cl.SealedSecret, client.SecretAAD(cl.Workspace, cl.ID))
	if err != nil {
		return fmt.Errorf("client %s: sealed secret: %w", cl.ID, err)
	}
	if err := a.assertions.verify(cl, ev, a.claims, jose.SharedSecret(sec), clientAlgs(cl, client.HMACAlgs)); err != nil {
		return err
	}
	return a.secretUnexpired(cl)
}
