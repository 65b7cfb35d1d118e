package registration

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/jose"
	"github.com/registrar-dev/registrar/internal/strictjson"
)

// clockSkew is how far apart our clock and a signer's may be when a
// token's iat, nbf and exp are checked.
const clockSkew = 60 * time.Second

// claims are a JWT's claims set, each member as sent.
type claims map[string]json.RawMessage

// unverifiedClaims decodes the payload of a compact JWS without checking
// its signature: only to find who claims to have signed it, so that the
// right keys verify it. Nothing read here is trusted before that.
func unverifiedClaims(token string) (claims, error) {
	if err := jose.CheckSize(token); err != nil {
		return nil, fmt.Errorf("longer than %d bytes, the most a token may be", jose.MaxTokenSize)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS (header.payload.signature)")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("payload is not base64url")
	}
	return decodeClaims(payload)
}

// decodeClaims reads a claims set strictly (one object, no duplicates).
func decodeClaims(payload []byte) (claims, error) {
	obj, err := strictjson.DecodeNamedObject("its payload", payload)
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// str returns claim name as a string; absent (or null) is "".
func (c claims) str(name string) (string, error) {
	raw, ok := c[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("%s must be a string", name)
	}
	return v, nil
}

// strs returns claim name as a string or an array of strings (as aud may
// be: RFC 7519 §4.1.3).
func (c claims) strs(name string) ([]string, error) {
	raw, ok := c[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("%s must be a string or an array of strings", name)
	}
	return many, nil
}

// date returns the NumericDate claim name (RFC 7519 §2) and whether it
// was sent.
func (c claims) date(name string) (time.Time, bool, error) {
	raw, ok := c[name]
	if !ok || string(raw) == "null" {
		return time.Time{}, false, nil
	}
	var secs float64
	if err := json.Unmarshal(raw, &secs); err != nil || secs < 0 || secs > math.MaxInt32*4 {
		return time.Time{}, false, fmt.Errorf("%s must be a NumericDate (seconds since 1970)", name)
	}
	return time.Unix(int64(secs), 0), true, nil
}

// checkTimes applies iat, nbf and exp at now, with clockSkew either way:
// iat is required and not in the future, nor older than maxAge when
// maxAge is set; nbf, when sent, has passed; exp, when sent (or required),
// has not.
func (c claims) checkTimes(now time.Time, maxAge time.Duration, requireExp bool) error {
	iat, ok, err := c.date("iat")
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("iat is required")
	}
	if iat.After(now.Add(clockSkew)) {
		return fmt.Errorf("iat %s is in the future (future-dated)", iat.UTC().Format(time.RFC3339))
	}
	if maxAge > 0 && now.Sub(iat) > maxAge+clockSkew {
		return fmt.Errorf("issued at %s, more than %s ago (too old)", iat.UTC().Format(time.RFC3339), maxAge)
	}
	nbf, ok, err := c.date("nbf")
	if err != nil {
		return err
	}
	if ok && nbf.After(now.Add(clockSkew)) {
		return fmt.Errorf("not valid before %s (nbf)", nbf.UTC().Format(time.RFC3339))
	}
	exp, ok, err := c.date("exp")
	if err != nil {
		return err
	}
	if !ok && requireExp {
		return errors.New("exp is required")
	}
	if ok && !now.Before(exp.Add(clockSkew)) {
		return fmt.Errorf("expired at %s", exp.UTC().Format(time.RFC3339))
	}
	return nil
}
