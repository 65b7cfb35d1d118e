package jose

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/registrar-dev/registrar/internal/testutil/jwttest"
)

// jwksOf renders keys (kid → key, alg "" leaves alg out) as a JWK Set.
func jwksOf(tb testing.TB, keys ...jwkSpec) []byte {
	tb.Helper()
	var out struct {
		Keys []json.RawMessage `json:"keys"`
	}
	for _, k := range keys {
		raw, err := PublicJWK(k.priv.Public(), k.kid, k.signAlg)
		if err != nil {
			tb.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if k.omitAlg {
			delete(m, "alg")
		}
		if k.omitKid {
			delete(m, "kid")
		}
		raw, _ = json.Marshal(m)
		out.Keys = append(out.Keys, raw)
	}
	doc, _ := json.Marshal(out)
	return doc
}

type jwkSpec struct {
	priv             crypto.Signer
	kid, signAlg     string
	omitAlg, omitKid bool
}

func signedClaims(tb testing.TB, priv crypto.Signer, kid, alg string) string {
	header := map[string]any{"alg": alg}
	if kid != "" {
		header["kid"] = kid
	}
	return jwttest.Forge(header, `{"sub":"x"}`, signedBy(tb, priv, alg))
}

func TestJWKSVerifiesByKidOrByType(t *testing.T) {
	ec, rsaKey, ed := mustPrivateKey(t, "ES256"), mustPrivateKey(t, "PS256"), mustPrivateKey(t, "EdDSA")
	set, err := ParseJWKS(jwksOf(t,
		jwkSpec{priv: ec, kid: "ec", signAlg: "ES256"},
		jwkSpec{priv: rsaKey, kid: "rsa", signAlg: "PS256", omitAlg: true},
		jwkSpec{priv: ed, kid: "ed", signAlg: "EdDSA", omitKid: true},
	))
	if err != nil || set.Len() != 3 {
		t.Fatalf("ParseJWKS: %d keys, %v", set.Len(), err)
	}
	v := Verifier{Keys: set, Algs: []string{"ES256", "PS256", "RS256", "EdDSA"}}
	ok := []string{
		signedClaims(t, ec, "ec", "ES256"),
		signedClaims(t, ec, "", "ES256"),        // no kid: each EC key is tried
		signedClaims(t, rsaKey, "rsa", "RS256"), // the key names no alg: any RSA alg
		signedClaims(t, ed, "", "EdDSA"),
	}
	for _, tok := range ok {
		if _, _, err := v.Verify(context.Background(), tok); err != nil {
			t.Errorf("refused %s: %v", tok[:20], err)
		}
	}
	other := mustPrivateKey(t, "ES256")
	bad := map[string]string{
		"kid of another key":          signedClaims(t, ec, "rsa", "ES256"),
		"unknown kid":                 signedClaims(t, ec, "nope", "ES256"),
		"key not in the set":          signedClaims(t, other, "", "ES256"),
		"alg other than the key's":    signedClaims(t, rsaKey, "ec", "PS256"),
		"HS256 keyed with the public": jwttest.Forge(map[string]any{"alg": "HS256", "kid": "ec"}, `{}`, jwttest.HMACWith(jwksOf(t, jwkSpec{priv: ec, kid: "ec", signAlg: "ES256"}))),
	}
	v.Algs = append(v.Algs, "HS256")
	for name, tok := range bad {
		if _, _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: err = %v, want ErrInvalidSignature", name, err)
		}
	}
	v.RequireKid = true
	if _, _, err := v.Verify(context.Background(), signedClaims(t, ec, "", "ES256")); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("RequireKid accepted a token without kid: %v", err)
	}
}

func TestParseJWKSSkipsKeysItCannotUse(t *testing.T) {
	var good struct{ Keys []json.RawMessage }
	_ = json.Unmarshal(jwksOf(t, jwkSpec{priv: mustPrivateKey(t, "ES256"), kid: "ec", signAlg: "ES256"}), &good)
	doc := fmt.Sprintf(`{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"sym"},
		{"kty":"EC","crv":"P-256","use":"enc","kid":"enc","x":"x","y":"y"},
		{"kty":"what"}, %s]}`, good.Keys[0])
	set, err := ParseJWKS([]byte(doc))
	if err != nil || set.Len() != 1 {
		t.Fatalf("ParseJWKS = %d keys, %v; want the EC signing key only", set.Len(), err)
	}
	for _, notSet := range []string{`[]`, `{}`, `{"keys":{}}`, `nope`} {
		if _, err := ParseJWKS([]byte(notSet)); err == nil {
			t.Errorf("ParseJWKS(%s) succeeded", notSet)
		}
	}
}

func TestRemoteJWKSRefreshesForAnUnknownKid(t *testing.T) {
	oldKey, newKey := mustPrivateKey(t, "ES256"), mustPrivateKey(t, "ES256")
	docs := map[bool][]byte{
		false: jwksOf(t, jwkSpec{priv: oldKey, kid: "old", signAlg: "ES256"}),
		true:  jwksOf(t, jwkSpec{priv: newKey, kid: "new", signAlg: "ES256"}),
	}
	var refreshes int
	remote := RemoteJWKS{Get: func(_ context.Context, refresh bool) ([]byte, error) {
		if refresh {
			refreshes++
		}
		return docs[refresh], nil
	}}
	v := Verifier{Keys: remote, Algs: []string{"ES256"}}
	if _, _, err := v.Verify(context.Background(), signedClaims(t, oldKey, "old", "ES256")); err != nil || refreshes != 0 {
		t.Fatalf("cached key: err %v, %d refreshes", err, refreshes)
	}
	if _, _, err := v.Verify(context.Background(), signedClaims(t, newKey, "new", "ES256")); err != nil || refreshes != 1 {
		t.Fatalf("rotated key: err %v, %d refreshes", err, refreshes)
	}
	failing := RemoteJWKS{Get: func(context.Context, bool) ([]byte, error) { return nil, errors.New("fetch failed") }}
	v.Keys = failing
	if _, _, err := v.Verify(context.Background(), signedClaims(t, newKey, "new", "ES256")); err == nil || errors.Is(err, ErrInvalidSignature) {
		t.Errorf("a failing fetch read as a bad token: %v", err)
	}
}

func TestSharedSecretVerifiesHMACOnly(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	v := Verifier{Keys: SharedSecret(secret), Algs: []string{"HS256", "ES256"}}
	if _, _, err := v.Verify(context.Background(), jwttest.Forge(map[string]any{"alg": "HS256"}, `{}`, jwttest.HMACWith(secret))); err != nil {
		t.Fatalf("HS256 refused: %v", err)
	}
	if _, _, err := v.Verify(context.Background(), jwttest.Forge(map[string]any{"alg": "HS256"}, `{}`, jwttest.HMACWith([]byte("other")))); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("wrong secret: %v", err)
	}
	if _, _, err := v.Verify(context.Background(), signedClaims(t, mustPrivateKey(t, "ES256"), "", "ES256")); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("ES256 against a shared secret: %v", err)
	}
}

func TestEdDSASignerRoundTrip(t *testing.T) {
	priv := mustPrivateKey(t, "EdDSA")
	s, err := NewSigner("ed", "EdDSA", priv)
	if err != nil {
		t.Fatal(err)
	}
	set, err := ParseJWKS(jwksOf(t, jwkSpec{priv: priv, kid: "ed", signAlg: "EdDSA"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := (Verifier{Keys: set, Algs: []string{"EdDSA"}}).Verify(context.Background(), mustSign(t, s, "JWT")); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseJWKS: a stranger's JWK Set (a directory's, a client's
// jwks_uri) never panics the parser, and no key it yields is offered for
// an alg its type does not fit — above all, never for an HMAC alg.
func FuzzParseJWKS(f *testing.F) {
	ec := mustPrivateKey(f, "ES256")
	f.Add(jwksOf(f, jwkSpec{priv: ec, kid: "ec", signAlg: "ES256"}), "ec", "ES256")
	f.Add(jwksOf(f, jwkSpec{priv: ec, kid: "ec", signAlg: "ES256", omitAlg: true, omitKid: true}), "", "HS256")
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"},{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`), "", "EdDSA")
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","alg":"HS256"}]}`), "", "HS256")
	f.Fuzz(func(t *testing.T, doc []byte, kid, alg string) {
		set, err := ParseJWKS(doc)
		if err != nil {
			return
		}
		keys, err := set.Candidates(context.Background(), kid, alg)
		if err != nil {
			return
		}
		for _, k := range keys {
			if k.Alg != alg || !keyFits(alg, k.Public) || IsHMAC(alg) {
				t.Fatalf("offered %T for %s", k.Public, alg)
			}
		}
	})
}
