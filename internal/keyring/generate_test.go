package keyring

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/masterkey"
)

func testSealer(tb testing.TB) *masterkey.Sealer {
	tb.Helper()
	s, err := masterkey.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"}

func TestGenerateKey(t *testing.T) {
	s := testSealer(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
	kidForm := regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
	seen := map[string]bool{}
	for _, tc := range []struct{ alg, kty, crv string }{{"ES256", "EC", "P-256"}, {"RS256", "RSA", ""}, {"PS256", "RSA", ""}} {
		t.Run(tc.alg, func(t *testing.T) {
			sk, err := GenerateKey("ws", tc.alg, s, now)
			if err != nil {
				t.Fatal(err)
			}
			if !kidForm.MatchString(sk.KID) || seen[sk.KID] {
				t.Fatalf("kid %q is not a fresh url-safe random value", sk.KID)
			}
			seen[sk.KID] = true
			if sk.Workspace != "ws" || sk.Alg != tc.alg || !sk.CreatedAt.Equal(now.Truncate(time.Microsecond)) || !sk.RetiredAt.IsZero() {
				t.Fatalf("record fields: %+v", sk)
			}
			var jwk map[string]any
			if err := json.Unmarshal(sk.PublicJWK, &jwk); err != nil {
				t.Fatal(err)
			}
			for _, m := range privateMembers {
				if _, ok := jwk[m]; ok {
					t.Fatalf("public JWK has private member %q", m)
				}
			}
			want := map[string]string{"kty": tc.kty, "kid": sk.KID, "alg": tc.alg, "use": "sig"}
			if tc.crv != "" {
				want["crv"] = tc.crv
			}
			for name, v := range want {
				if jwk[name] != v {
					t.Fatalf("JWK %s = %v, want %q", name, jwk[name], v)
				}
			}
			checkSealedKey(t, s, sk)
		})
	}
}

// checkSealedKey opens the sealed private key under its own workspace/kid
// binding and checks its type and size.
func checkSealedKey(t *testing.T, s *masterkey.Sealer, sk storeKey) {
	t.Helper()
	der, err := s.Open(sk.PrivateKeyEncrypted, []byte(sk.Workspace+"/"+sk.KID))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	switch k := priv.(type) {
	case *ecdsa.PrivateKey:
		if sk.Alg != "ES256" || k.Curve.Params().Name != "P-256" {
			t.Fatalf("%s key is ECDSA %s", sk.Alg, k.Curve.Params().Name)
		}
	case *rsa.PrivateKey:
		if sk.Alg == "ES256" || k.N.BitLen() != 2048 {
			t.Fatalf("%s key is RSA %d", sk.Alg, k.N.BitLen())
		}
	default:
		t.Fatalf("sealed key is %T", priv)
	}
}

func TestGenerateKeyRejectsOtherAlgs(t *testing.T) {
	for _, alg := range []string{"", "none", "HS256", "ES384", "EdDSA", "es256"} {
		if _, err := GenerateKey("ws", alg, testSealer(t), time.Now()); err == nil {
			t.Errorf("GenerateKey(%q) succeeded", alg)
		}
	}
}
