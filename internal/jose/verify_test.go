package jose

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"

	"github.com/registrar-dev/registrar/internal/testutil/jwttest"
)

// signedBy signs with priv for alg, as a stranger holding that key would.
func signedBy(tb testing.TB, priv crypto.Signer, alg string) func([]byte) []byte {
	return func(in []byte) []byte {
		sig, err := jwsbb.Sign(priv, alg, in, rand.Reader)
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	}
}

// encodedHeader is a token whose protected header is raw, over an empty
// payload, with a canonical (if wrong) signature.
func encodedHeader(raw string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(raw)) + ".e30.AAAA"
}

// nonCanonicalLast respells the last base64url character of tok with one
// of its unused low bits set: the same bytes, a different string.
func nonCanonicalLast(tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, tok[len(tok)-1])
	return string(alphabet[i^1])
}

func TestParseHeaderRefuses(t *testing.T) {
	signers, _ := testSigners(t)
	good := mustSign(t, signers["ES256"], "at+jwt")
	parts := strings.Split(good, ".")
	jsonSerialization, _ := json.Marshal(map[string]any{"payload": parts[1], "signatures": []map[string]string{{"protected": parts[0], "signature": parts[2]}}})
	cases := []struct{ name, token string }{
		{"empty", ""},
		{"two parts", "a.b"},
		{"four parts", good + ".x"},
		{"JSON serialization", string(jsonSerialization)},
		{"too long", strings.Repeat("a", MaxTokenSize) + ".."},
		{"non-canonical signature encoding", good[:len(good)-1] + nonCanonicalLast(good)},
		{"padded signature", good + "=="},
		{"header not base64url", "!!." + parts[1] + "." + parts[2]},
		{"header not JSON", encodedHeader(`alg=ES256`)},
		{"header not an object", encodedHeader(`["ES256"]`)},
		{"duplicate member", encodedHeader(`{"alg":"ES256","kid":"k","alg":"none"}`)},
		{"alg not a string", encodedHeader(`{"alg":1,"kid":"k"}`)},
		{"kid not a string", encodedHeader(`{"alg":"ES256","kid":["k"]}`)},
		{"typ not a string", encodedHeader(`{"alg":"ES256","kid":"k","typ":1}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if h, err := ParseHeader(tc.token); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("ParseHeader = %+v, %v; want ErrInvalidSignature", h, err)
			}
		})
	}
}

func TestParseHeaderReads(t *testing.T) {
	cases := []struct {
		name, header string
		want         Header
	}{
		{"alg, kid, typ", `{"alg":"ES256","kid":"k","typ":"at+jwt"}`, Header{Alg: "ES256", Kid: "k", Typ: "at+jwt"}},
		{"names are exact", `{"ALG":"none","Kid":"x","alg":"ES256"}`, Header{Alg: "ES256"}},
		{"crit", `{"alg":"ES256","crit":["exp"],"exp":1}`, Header{Alg: "ES256", HasCrit: true}},
		{"crit of any shape", `{"alg":"ES256","crit":null}`, Header{Alg: "ES256", HasCrit: true}},
		{"b64", `{"alg":"ES256","b64":false}`, Header{Alg: "ES256", HasB64: true}},
		{"key-carrying members are not read", `{"alg":"ES256","jku":"https://evil.example","jwk":{"kty":"EC"},"x5u":"https://evil.example","x5c":["MII"]}`, Header{Alg: "ES256"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := ParseHeader(encodedHeader(tc.header)); err != nil || got != tc.want {
				t.Fatalf("ParseHeader = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestCheckHeader(t *testing.T) {
	all := []string{"ES256", "RS256", "PS256"}
	ok := Header{Alg: "ES256", Kid: "k", Typ: "at+jwt"}
	with := func(edit func(*Header)) Header {
		h := ok
		edit(&h)
		return h
	}
	cases := []struct {
		name string
		h    Header
		algs []string
		typ  string
		ok   bool
	}{
		{"allowed alg, typ matches", ok, all, "at+jwt", true},
		{"typ not asked for", with(func(h *Header) { h.Typ = "" }), all, "", true},
		{"none", with(func(h *Header) { h.Alg = "none" }), all, "at+jwt", false},
		{"none even when listed", with(func(h *Header) { h.Alg = "none" }), append(all, "none"), "at+jwt", false},
		{"alg missing", with(func(h *Header) { h.Alg = "" }), all, "at+jwt", false},
		{"alg outside the allow-list", with(func(h *Header) { h.Alg = "HS256" }), all, "at+jwt", false},
		{"alg the key set may hold but the caller does not allow", ok, []string{"RS256"}, "at+jwt", false},
		{"no allow-list allows nothing", ok, nil, "at+jwt", false},
		{"alg differs in case", with(func(h *Header) { h.Alg = "es256" }), all, "at+jwt", false},
		{"crit", with(func(h *Header) { h.HasCrit = true }), all, "at+jwt", false},
		{"b64", with(func(h *Header) { h.HasB64 = true }), all, "at+jwt", false},
		{"wrong typ", ok, all, "JWT", false},
		{"typ missing", with(func(h *Header) { h.Typ = "" }), all, "at+jwt", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckHeader(tc.h, tc.algs, tc.typ)
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("err = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

// The typ forms of jwttest.TypForms: case-insensitive, with or without
// "application/".
func TestCheckHeaderTypForms(t *testing.T) {
	for _, tc := range jwttest.TypForms {
		err := CheckHeader(Header{Alg: "ES256", Typ: tc.Signed}, []string{"ES256"}, tc.Want)
		if (err == nil) != tc.OK {
			t.Errorf("typ %q checked as %q: err = %v, want ok=%v", tc.Signed, tc.Want, err, tc.OK)
		}
	}
}

func TestVerifierAcceptsEachAlg(t *testing.T) {
	signers, keys := testSigners(t)
	v := Verifier{Keys: keys, Algs: []string{"ES256", "RS256", "PS256"}, Typ: "at+jwt"}
	for alg, s := range signers {
		payload, h, err := v.Verify(context.Background(), mustSign(t, s, "at+jwt"))
		if err != nil || string(payload) != `{"sub":"x"}` || h != (Header{Alg: alg, Kid: "kid-" + alg, Typ: "at+jwt"}) {
			t.Fatalf("%s: %s %+v %v", alg, payload, h, err)
		}
	}
}

func TestVerifierRefuses(t *testing.T) {
	signers, keys := testSigners(t)
	ctx := context.Background()
	good := mustSign(t, signers["ES256"], "at+jwt")
	parts := strings.Split(good, ".")
	stranger := mustPrivateKey(t, "ES256")
	strangerJWK, err := PublicJWK(stranger.Public(), "kid-ES256", "ES256")
	if err != nil {
		t.Fatal(err)
	}
	publicJWK := func(alg string) []byte {
		raw, err := PublicJWK(keys["kid-"+alg].Public, "kid-"+alg, alg)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	// byStranger is signed by a key not in the set, its header naming the
	// set's ES256 kid and carrying extra members.
	byStranger := func(extra map[string]any) string {
		h := map[string]any{"alg": "ES256", "kid": "kid-ES256", "typ": "at+jwt"}
		for k, v := range extra {
			h[k] = v
		}
		return jwttest.Forge(h, `{"sub":"admin"}`, signedBy(t, stranger, "ES256"))
	}
	// byOwner is signed by the set's own ES256 key: only the header can
	// make it fail.
	byOwner := func(extra map[string]any) string {
		h := map[string]any{"alg": "ES256", "kid": "kid-ES256", "typ": "at+jwt"}
		for k, v := range extra {
			h[k] = v
		}
		return jwttest.Forge(h, `{"sub":"x"}`, signedBy(t, signers["ES256"].private, "ES256"))
	}
	all := []string{"ES256", "RS256", "PS256"}
	cases := []struct {
		name  string
		algs  []string
		token string
	}{
		{"alg none", all, jwttest.Forge(map[string]any{"alg": "none", "kid": "kid-ES256", "typ": "at+jwt"}, `{"sub":"x"}`, jwttest.NoSig)},
		// Classic alg confusion: HMAC keyed with the public key, which a
		// naive verifier trusting the token's alg would use as the secret.
		{"HS256 with the public JWK as secret", all, jwttest.Forge(map[string]any{"alg": "HS256", "kid": "kid-ES256", "typ": "at+jwt"}, `{}`, jwttest.HMACWith(publicJWK("ES256")))},
		{"HS256 with the RSA public JWK as secret, HS256 allowed", append(all, "HS256"), jwttest.Forge(map[string]any{"alg": "HS256", "kid": "kid-RS256", "typ": "at+jwt"}, `{}`, jwttest.HMACWith(publicJWK("RS256")))},
		{"RS256 header on the ES256 key", all, jwttest.Forge(map[string]any{"alg": "RS256", "kid": "kid-ES256", "typ": "at+jwt"}, `{}`, signedBy(t, mustPrivateKey(t, "RS256"), "RS256"))},
		{"PS256 header on the RS256 key", all, jwttest.Forge(map[string]any{"alg": "PS256", "kid": "kid-RS256", "typ": "at+jwt"}, `{}`, jwttest.NoSig)},
		{"a good token of an alg the caller does not allow", []string{"RS256", "PS256"}, good},
		{"unknown kid", all, jwttest.Forge(map[string]any{"alg": "ES256", "kid": "nope", "typ": "at+jwt"}, `{}`, signedBy(t, stranger, "ES256"))},
		{"no kid", all, jwttest.Forge(map[string]any{"alg": "ES256", "typ": "at+jwt"}, `{"sub":"x"}`, signedBy(t, stranger, "ES256"))},
		{"stranger's key in a jwk header", all, byStranger(map[string]any{"jwk": json.RawMessage(strangerJWK)})},
		{"stranger's keys behind jku", all, byStranger(map[string]any{"jku": "https://evil.example/jwks"})},
		{"stranger's certificate behind x5u", all, byStranger(map[string]any{"x5u": "https://evil.example/cert.pem"})},
		{"stranger's certificate chain in x5c", all, byStranger(map[string]any{"x5c": []string{"MIIBszCCAVmgAwIBAgIU"}})},
		{"RS256 header over a PS256 signature by the PS256 key", all, jwttest.Forge(map[string]any{"alg": "RS256", "kid": "kid-PS256", "typ": "at+jwt"}, `{}`, signedBy(t, signers["PS256"].private, "PS256"))},
		{"crit header", all, byOwner(map[string]any{"crit": []string{"exp"}, "exp": 1})},
		{"b64 false", all, byOwner(map[string]any{"b64": false})},
		{"wrong typ", all, mustSign(t, signers["ES256"], "JWT")},
		{"modified payload", all, parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`)) + "." + parts[2]},
		{"signature stripped", all, parts[0] + "." + parts[1] + "."},
		{"garbage", all, "a.b.c"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := Verifier{Keys: keys, Algs: tc.algs, Typ: "at+jwt"}
			if _, _, err := v.Verify(ctx, tc.token); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("err = %v, want ErrInvalidSignature", err)
			}
		})
	}
	for _, genuine := range []string{good, byOwner(nil)} {
		if _, _, err := (Verifier{Keys: keys, Algs: all, Typ: "at+jwt"}).Verify(ctx, genuine); err != nil {
			t.Fatalf("a genuine token does not verify: %v", err)
		}
	}
}

// failingKeys is a key set whose backing (a database, a fetch) is down.
type failingKeys struct{ err error }

func (f failingKeys) Key(context.Context, string) (Key, error) { return Key{}, f.err }

// A key set that fails is not a bad token: its error reaches the caller
// unchanged, so it can answer 503 instead of invalid_token.
func TestVerifierPassesKeySetFailuresOn(t *testing.T) {
	signers, _ := testSigners(t)
	down := errors.New("database down")
	v := Verifier{Keys: failingKeys{down}, Algs: []string{"ES256"}}
	_, _, err := v.Verify(context.Background(), mustSign(t, signers["ES256"], ""))
	if !errors.Is(err, down) || errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("err = %v, want the key set's error alone", err)
	}
}

// FuzzVerify: no input may panic, and every failure is ErrInvalidSignature
// (the key set here never fails). A success must be a token we signed.
func FuzzVerify(f *testing.F) {
	signers, keys := testSigners(f)
	signed := map[string]bool{}
	for _, s := range signers {
		tok := mustSign(f, s, "at+jwt")
		signed[tok] = true
		f.Add(tok)
	}
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	f.Add(`{"payload":"e30","signatures":[]}`)
	f.Add(jwttest.Forge(map[string]any{"alg": "ES256", "kid": "x", "crit": []string{"b64"}, "b64": false}, "{}", jwttest.NoSig))
	v := Verifier{Keys: keys, Algs: []string{"ES256", "RS256", "PS256"}, Typ: "at+jwt"}
	f.Fuzz(func(t *testing.T, token string) {
		payload, _, err := v.Verify(context.Background(), token)
		switch {
		case err == nil && !signed[token]:
			t.Fatalf("verified a token we never signed: %q → %s", token, payload)
		case err != nil && !errors.Is(err, ErrInvalidSignature):
			t.Fatalf("error does not wrap ErrInvalidSignature: %v", err)
		}
	})
}
