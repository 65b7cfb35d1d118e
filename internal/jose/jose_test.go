package jose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"
)

func testSealer(tb testing.TB) *Sealer {
	tb.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestNewSealerKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewSealer(make([]byte, n)); err == nil {
			t.Errorf("NewSealer accepted a %d-byte key", n)
		}
	}
}

func TestSealerRoundTripAndTamper(t *testing.T) {
	s := testSealer(t)
	aad := []byte("ws/kid")
	sealed, err := s.Seal([]byte("secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := s.Open(sealed, aad); err != nil || string(out) != "secret" {
		t.Fatalf("open: %q %v", out, err)
	}
	again, _ := s.Seal([]byte("secret"), aad)
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	cases := []struct {
		name   string
		s      *Sealer
		sealed []byte
		aad    []byte
	}{
		{"wrong aad (key copied to another row)", s, sealed, []byte("ws/other")},
		{"no aad", s, sealed, nil},
		{"flipped nonce byte", s, flip(0), aad},
		{"flipped ciphertext byte", s, flip(12), aad},
		{"flipped tag byte", s, flip(len(sealed) - 1), aad},
		{"truncated", s, sealed[:len(sealed)-1], aad},
		{"shorter than nonce+tag", s, sealed[:20], aad},
		{"empty", s, nil, aad},
		{"other master key", other, sealed, aad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.s.Open(tc.sealed, tc.aad); !errors.Is(err, ErrSealed) {
				t.Fatalf("err = %v, want ErrSealed", err)
			}
		})
	}
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
func checkSealedKey(t *testing.T, s *Sealer, sk storeKey) {
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
