package client

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/registrar-dev/registrar/internal/memo"
)

// minRSABits: RFC 8725 §3.5 / NIST SP 800-131A; shorter moduli are
// factorable at a cost an attacker forging client assertions would pay.
const minRSABits = 2048

// curves are the only curves accepted per kty: the NIST curves every JOSE
// library verifies (ES256/384/512) and Ed25519 (EdDSA). X25519 and the
// like are key agreement curves that no signing alg can use, and anything
// else is a curve our verifiers would not understand.
var curves = map[string][]string{
	"EC":  {"P-256", "P-384", "P-521"},
	"OKP": {"Ed25519"},
}

// privateMembers are JWK members that only private or symmetric keys have
// (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"}

// checkKeys: jwks and jwks_uri are mutually exclusive (RFC 7591 §2), and a
// jwks holds usable public keys only. Keys stored unchecked would only fail
// later, at the token endpoint, far from the registration that caused it.
func checkKeys(md *Metadata, _ Policy) error {
	if len(md.JWKS) > 0 && md.JWKSURI != "" {
		return metaErr("jwks and jwks_uri: use one, not both (RFC 7591 §2)")
	}
	if len(md.JWKS) == 0 {
		return nil
	}
	return checkJWKSet(md.JWKS, "jwks", "jwks.keys")
}

// CheckJWKSDocument checks the JWK Set a client's jwks_uri answered with
// as an inline jwks is checked, so that keys fetched are held to the same
// rules as keys sent.
func CheckJWKSDocument(doc []byte) error {
	return checkJWKSet(doc, "jwks_uri", "jwks_uri: keys")
}

// CheckJWKSClaim checks a JWK Set carried in a claim (a software
// statement's software_jwks) as an inline jwks is checked; errors name the
// claim.
func CheckJWKSClaim(doc []byte, name string) error {
	return checkJWKSet(doc, name, name+".keys")
}

// acceptedJWKS remembers the sets checkJWKSet accepted, by their bytes:
// the rules depend on nothing else, and one set is checked again and
// again (a software statement's software_jwks, with every registration
// of its software). Refusals are not remembered.
var acceptedJWKS = memo.New[string, struct{}](1024)

// checkJWKSet checks a JWK Set; its errors name the set as name and a key
// as keys[i].
func checkJWKSet(doc []byte, name, keys string) error {
	if _, ok := acceptedJWKS.Get(string(doc)); ok {
		return nil
	}
	if err := checkJWKSetKeys(doc, name, keys); err != nil {
		return err
	}
	acceptedJWKS.Put(string(doc), struct{}{})
	return nil
}

func checkJWKSetKeys(doc []byte, name, keys string) error {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil || set.Keys == nil {
		return metaErr("%s: must be a JWK Set object {\"keys\":[...]}", name)
	}
	if len(set.Keys) > maxListLen {
		return metaErr("%s: at most %d keys", keys, maxListLen)
	}
	kids := map[string]int{}
	for i, raw := range set.Keys {
		kid, err := checkJWK(raw)
		if err != nil {
			return metaErr("%s[%d]: %v", keys, i, err)
		}
		// RFC 7517 §4.5: kid picks a key; two keys with one kid make the
		// choice ambiguous.
		if first, dup := kids[kid]; dup && kid != "" {
			return metaErr("%s[%d]: kid %q is already used by %s[%d]", keys, i, kid, keys, first)
		}
		kids[kid] = i
	}
	return nil
}

// checkJWK checks one key and returns its kid. The members a client can get
// wrong in a way jwx would describe poorly (kty, curve, private parts, use)
// are checked by name first; then jwx parses the key and exports it to a
// crypto key, which is where bad encodings, points off the curve and bad
// moduli fail.
func checkJWK(raw json.RawMessage) (string, error) {
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil {
		return "", fmt.Errorf("must be a JWK object")
	}
	if err := checkJWKMembers(members); err != nil {
		return "", err
	}
	// checkJWKMembers has refused every member a private or symmetric key
	// has, and kty is RSA, EC or OKP, whose keys jwx parses as private
	// only when "d" is present; so the key is public, and asking jwx
	// again (jwk.IsPrivateKey) could never refuse anything more. Should
	// that ever change, checkCryptoKey accepts public key types only.
	key, err := jwk.ParseKey(raw)
	if err != nil {
		return "", fmt.Errorf("not a valid public key: %s", jwxReason(err))
	}
	var pub any
	if err := jwk.Export(key, &pub); err != nil {
		return "", fmt.Errorf("not a valid public key: %s", jwxReason(err))
	}
	if err := checkCryptoKey(pub); err != nil {
		return "", err
	}
	kid, _ := key.KeyID()
	return kid, nil
}

func checkJWKMembers(m map[string]json.RawMessage) error {
	var kty string
	if json.Unmarshal(m["kty"], &kty) != nil || (kty != "RSA" && kty != "EC" && kty != "OKP") {
		return fmt.Errorf("kty must be RSA, EC or OKP")
	}
	for _, private := range privateMembers {
		if _, ok := m[private]; ok {
			return fmt.Errorf("contains private key member %q; register public keys only", private)
		}
	}
	if err := checkCurve(kty, m["crv"]); err != nil {
		return err
	}
	return checkKidAndUse(m)
}

func checkCurve(kty string, raw json.RawMessage) error {
	allowed, ok := curves[kty]
	if !ok {
		return nil
	}
	var crv string
	if json.Unmarshal(raw, &crv) != nil || crv == "" {
		return fmt.Errorf("an %s key needs crv (one of %s)", kty, strings.Join(allowed, ", "))
	}
	if !slices.Contains(allowed, crv) {
		return fmt.Errorf("crv %q is not accepted for kty %s; use %s", crv, kty, strings.Join(allowed, ", "))
	}
	return nil
}

// checkKidAndUse: both are strings when present; use is sig or enc, the
// values RFC 7517 §4.2 defines and OIDC Registration §2 relies on to tell
// signing keys from encryption keys.
func checkKidAndUse(m map[string]json.RawMessage) error {
	var kid, use string
	if raw, ok := m["kid"]; ok && json.Unmarshal(raw, &kid) != nil {
		return fmt.Errorf("kid must be a string")
	}
	raw, ok := m["use"]
	if !ok {
		return nil
	}
	if json.Unmarshal(raw, &use) != nil {
		return fmt.Errorf("use must be a string")
	}
	if use != "sig" && use != "enc" {
		return fmt.Errorf("use %q must be sig or enc", use)
	}
	return nil
}

// checkCryptoKey applies the strength rules to the exported key, whatever
// jwx's own minimums are set to.
func checkCryptoKey(pub any) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("RSA modulus is %d bits; at least %d are required", k.N.BitLen(), minRSABits)
		}
		if k.E < 3 || k.E%2 == 0 {
			return fmt.Errorf("RSA exponent e must be odd and at least 3")
		}
	case *ecdsa.PublicKey, ed25519.PublicKey:
		// The curve was checked by name (checkCurve) before jwx parsed
		// the key, and jwx builds the key on the curve crv names, so it
		// is one of curves[kty] already.
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
	return nil
}

// jwxReason trims jwx's wrapping ("jwk.ParseKey: failed to unmarshal JSON
// into key (*jwk.ecdsaPublicKey): …") down to the cause, the part a client
// developer can act on.
func jwxReason(err error) string {
	msg := err.Error()
	for _, wrap := range []string{"): ", "validation failed: "} {
		if i := strings.LastIndex(msg, wrap); i >= 0 {
			msg = msg[i+len(wrap):]
		}
	}
	for strings.HasPrefix(msg, "jwk.") {
		_, rest, ok := strings.Cut(msg, ": ")
		if !ok {
			break
		}
		msg = rest
	}
	return msg
}
