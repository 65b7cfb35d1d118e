package devtools

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/strictjson"
)

// AssertionTTL is the lifetime of an assertion or a signed body: enough
// to send it, well inside the server's bound on lifetimes (RFC 7523 §3:
// the server may refuse one whose exp is unreasonably far off).
const AssertionTTL = 5 * time.Minute

// typJWT is the typ of what we sign. No typ is registered for software
// statements, signed bodies or client assertions; "JWT" is what
// directories (Open Banking's among them) and client libraries send.
const typJWT = "JWT"

// Claims is a JSON object being signed. Members read from a file stay as
// they were written (json.RawMessage); those we add are Go values.
type Claims map[string]any

// ParseClaims reads a JSON object strictly: a duplicate member would make
// what we sign ambiguous.
func ParseClaims(doc []byte) (Claims, error) {
	obj, err := strictjson.DecodeObject(doc)
	if err != nil {
		return nil, err
	}
	c := make(Claims, len(obj))
	for name, v := range obj {
		c[name] = v
	}
	return c, nil
}

// setDefault sets name unless the claims already have it: values the
// caller wrote win, so a test can sign an expired or future-dated token.
func (c Claims) setDefault(name string, v any) {
	if _, ok := c[name]; !ok {
		c[name] = v
	}
}

// requireEqual sets name to want, or checks that the value written there
// already is want.
func (c Claims) requireEqual(name, want string) error {
	v, ok := c[name]
	if !ok {
		c[name] = want
		return nil
	}
	var got string
	if raw, isRaw := v.(json.RawMessage); isRaw {
		if json.Unmarshal(raw, &got) != nil {
			return fmt.Errorf("claims: %s is not a string", name)
		}
	} else if got, _ = v.(string); got == "" {
		return fmt.Errorf("claims: %s is not a string", name)
	}
	if got != want {
		return fmt.Errorf("claims: %s is %q, not %q", name, got, want)
	}
	return nil
}

// stamp adds what every token we sign carries unless the caller wrote it:
// iat now, exp iat+ttl (none when ttl is 0) and a random jti, which the
// server accepts once.
func (c Claims) stamp(now time.Time, ttl time.Duration) error {
	c.setDefault("iat", now.Unix())
	if ttl > 0 {
		c.setDefault("exp", now.Add(ttl).Unix())
	}
	jti, err := secret.ID(rand.Reader, 16)
	if err != nil {
		return err
	}
	c.setDefault("jti", jti)
	return nil
}

func (k Key) sign(c Claims) (string, error) {
	s, err := k.Signer()
	if err != nil {
		return "", err
	}
	return s.Sign(typJWT, c)
}

// Statement signs claims as a software statement of issuer (RFC 7591
// §2.3): iss is issuer (an iss in claims must agree), iat now, exp
// iat+ttl (none when ttl is 0), jti random, each unless claims has it.
// claims is changed.
func Statement(k Key, issuer string, claims Claims, now time.Time, ttl time.Duration) (string, error) {
	if err := claims.requireEqual("iss", issuer); err != nil {
		return "", err
	}
	if err := claims.stamp(now, ttl); err != nil {
		return "", err
	}
	return k.sign(claims)
}

// Assertion signs a private_key_jwt client assertion (RFC 7523 §3, OIDC
// Core §9): iss and sub the client id, aud the token endpoint (or the
// issuer), valid AssertionTTL, with a random jti.
func Assertion(k Key, clientID, aud string, now time.Time) (string, error) {
	c := Claims{"iss": clientID, "sub": clientID, "aud": aud}
	if err := c.stamp(now, AssertionTTL); err != nil {
		return "", err
	}
	return k.sign(c)
}

// SignedBody signs registration metadata as a request body for
// Content-Type application/jose: the metadata plus iss (the statement's
// software_id), aud (the issuer or the registration endpoint), iat, exp
// and jti, each unless the metadata has it (iss or aud "" leaves the
// metadata's, so a test can send an array aud). metadata is changed.
func SignedBody(k Key, iss, aud string, metadata Claims, now time.Time) (string, error) {
	for name, want := range map[string]string{"iss": iss, "aud": aud} {
		if want == "" {
			continue
		}
		if err := metadata.requireEqual(name, want); err != nil {
			return "", err
		}
	}
	if err := metadata.stamp(now, AssertionTTL); err != nil {
		return "", err
	}
	return k.sign(metadata)
}
