package client_test

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/testutil/certtest"
)

// publicJWK returns the JWK JSON object of pub with the extra members set
// (given a private key, the private JWK).
func publicJWK(t *testing.T, pub any, extra map[string]any) map[string]any {
	t.Helper()
	k, err := jwk.Import(pub)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(k)
	var m map[string]any
	json.Unmarshal(raw, &m)
	for name, v := range extra {
		m[name] = v
	}
	return m
}

func jwksBody(keys ...any) string {
	raw, _ := json.Marshal(map[string]any{"redirect_uris": []string{"https://a.example/cb"}, "jwks": map[string]any{"keys": keys}})
	return string(raw)
}

func ecKey(t *testing.T, c elliptic.Curve) *ecdsa.PublicKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}

func rsaKey(t *testing.T, bits int) *rsa.PublicKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}

// TestValidateJWKSAccepts: real public keys of every accepted kind.
func TestValidateJWKSAccepts(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	body := jwksBody(
		publicJWK(t, ecKey(t, elliptic.P256()), map[string]any{"kid": "p256", "use": "sig"}),
		publicJWK(t, ecKey(t, elliptic.P384()), map[string]any{"kid": "p384", "use": "enc"}),
		publicJWK(t, ecKey(t, elliptic.P521()), map[string]any{"kid": "p521"}),
		publicJWK(t, rsaKey(t, 2048), map[string]any{"kid": "rsa", "use": "sig", "alg": "RS256"}),
		publicJWK(t, edPub, nil),
	)
	if _, err := register(t, body); err != nil {
		t.Fatal(err)
	}
}

// TestValidateJWKSRejects: RFC 7591 §2 wants a JWK Set of public keys;
// each key is parsed by jwx into a crypto key, so malformed members,
// points off the curve and short moduli fail, and the description names
// the key and its problem.
func TestValidateJWKSRejects(t *testing.T) {
	good := publicJWK(t, ecKey(t, elliptic.P256()), map[string]any{"kid": "a"})
	x25519, _ := ecdh.X25519().GenerateKey(rand.Reader)
	offCurve := publicJWK(t, ecKey(t, elliptic.P256()), nil)
	offCurve["y"] = offCurve["x"]
	noCrv := publicJWK(t, ecKey(t, elliptic.P256()), nil)
	delete(noCrv, "crv")
	// Whole, valid private keys: only the member check refuses them, as
	// jwx would parse them fine.
	ecPriv := certtest.Key(t)
	rsaPriv, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	// jwx will not import a short modulus, so this JWK is built by hand.
	short := rsaKey(t, 1024)
	k1 := map[string]any{"kty": "RSA", "n": base64.RawURLEncoding.EncodeToString(short.N.Bytes()), "e": "AQAB"}
	cases := []struct {
		name, body string
		mention    []string
	}{
		{"tester's set", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"!!!","y":"???"},{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"X25519","x":"AA"}]}}`, []string{"jwks.keys[0]"}},
		{"tiny RSA modulus", jwksBody(good, map[string]any{"kty": "RSA", "n": "AQAB", "e": "AQAB"}), []string{"jwks.keys[1]", "2048"}},
		{"RSA 1024", jwksBody(k1), []string{"jwks.keys[0]", "2048"}},
		{"X25519", jwksBody(good, publicJWK(t, x25519.PublicKey(), nil)), []string{"jwks.keys[1]", "Ed25519"}},
		{"X25519 bad size", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"OKP","crv":"X25519","x":"AA"}]}}`, []string{"jwks.keys[0]", "Ed25519"}},
		{"Ed25519 bad size", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"}]}}`, []string{"jwks.keys[0]"}},
		{"EC without crv", jwksBody(noCrv), []string{"jwks.keys[0]", "crv"}},
		{"EC secp256k1", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"}]}}`, []string{"jwks.keys[0]", "P-256"}},
		{"EC point off the curve", jwksBody(offCurve), []string{"jwks.keys[0]"}},
		{"bad base64", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"!!!","y":"???"}]}}`, []string{"jwks.keys[0]", "x"}},
		{"duplicate kid", jwksBody(good, publicJWK(t, ecKey(t, elliptic.P256()), map[string]any{"kid": "a"})), []string{"jwks.keys[1]", "kid", `"a"`}},
		{"bad use", jwksBody(publicJWK(t, ecKey(t, elliptic.P256()), map[string]any{"use": "both"})), []string{"jwks.keys[0]", "use"}},
		{"kid not a string", jwksBody(publicJWK(t, ecKey(t, elliptic.P256()), map[string]any{"kid": 5})), []string{"jwks.keys[0]", "kid"}},
		{"EC private key", jwksBody(publicJWK(t, ecPriv, nil)), []string{"jwks.keys[0]", "private"}},
		{"RSA private key", jwksBody(publicJWK(t, rsaPriv, nil)), []string{"jwks.keys[0]", "private"}},
		{"Ed25519 private key", jwksBody(publicJWK(t, edPriv, nil)), []string{"jwks.keys[0]", "private"}},
		{"private member on a real key", jwksBody(publicJWK(t, ecKey(t, elliptic.P256()), map[string]any{"d": "AAAA"})), []string{"jwks.keys[0]", "private"}},
		{"key not an object", `{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":["x"]}}`, []string{"jwks.keys[0]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := register(t, tc.body)
			var oe *oautherr.Error
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidClientMetadata {
				t.Fatalf("err = %v, want invalid_client_metadata", err)
			}
			for _, m := range tc.mention {
				if !strings.Contains(oe.Description, m) {
					t.Fatalf("description %q does not mention %q", oe.Description, m)
				}
			}
		})
	}
}

// FuzzValidateJWKS: whatever a stranger registers as jwks, validation
// answers with a value or an RFC 7591 error, never a panic (a 500).
func FuzzValidateJWKS(f *testing.F) {
	for _, s := range []string{
		`{"keys":[]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","x":"!!!","y":"???"}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAAAAAAAAAAAAAAAAAAAAAB"}]}`,
		`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-521","x":"","y":""},{"kid":1}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, jwks string) {
		body, err := json.Marshal(map[string]json.RawMessage{
			"grant_types": json.RawMessage(`["client_credentials"]`),
			"jwks":        json.RawMessage(jwks),
		})
		if err != nil {
			return // not JSON: the strict decoder refuses it before validation
		}
		_, err = register(t, string(body))
		var oe *oautherr.Error
		if err != nil && !errors.As(err, &oe) {
			t.Fatalf("%s: %v is not a protocol error", jwks, err)
		}
	})
}

// TestJWKSCheckRemembersOnlyAccepted: a set accepted once is accepted
// again (it is remembered), and one refused is refused every time, at
// registration and as a jwks_uri document alike.
func TestJWKSCheckRemembersOnlyAccepted(t *testing.T) {
	good := jwksBody(publicJWK(t, ecKey(t, elliptic.P256()), map[string]any{"kid": "again"}))
	offCurve := publicJWK(t, ecKey(t, elliptic.P256()), nil)
	offCurve["y"] = offCurve["x"]
	bad := jwksBody(offCurve)
	badDoc, _ := json.Marshal(map[string]any{"keys": []any{offCurve}})
	for i := range 2 {
		if _, err := register(t, good); err != nil {
			t.Fatalf("good set, check %d: %v", i+1, err)
		}
		if _, err := register(t, bad); err == nil {
			t.Fatalf("key off the curve, check %d: accepted", i+1)
		}
		if err := client.CheckJWKSDocument(badDoc); err == nil {
			t.Fatalf("jwks_uri document with a key off the curve, check %d: accepted", i+1)
		}
	}
}
