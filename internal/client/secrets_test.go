package client_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/secret"
)

// TestViewShowsNoSealedSecret: the view every answer renders a client
// with (registration, RFC 7592 GET, the CLI) holds nothing of the sealed
// secret of a client_secret_jwt client, nor of its hash.
func TestViewShowsNoSealedSecret(t *testing.T) {
	cl := Client{ID: "c", SecretHash: []byte("HASHBYTES"), SealedSecret: []byte("SEALEDBYTES"),
		Metadata: Metadata{TokenEndpointAuthMethod: AuthClientSecretJWT, GrantTypes: []string{GrantClientCredentials}}}
	raw, err := json.Marshal(View(cl))
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"SEALEDBYTES", "U0VBTEVEQllURVM", "HASHBYTES", "SEFTSEJZVEVT", "sealed"} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("view %s holds %q", raw, leak)
		}
	}
}

// TestClientSecretJWTSecretKeysHS512: RFC 7518 §3.2 wants an HMAC key at
// least as long as the hash; the secret of a client_secret_jwt client is
// the key, so it is at least 64 octets. Other secrets keep their size.
func TestClientSecretJWTSecretKeysHS512(t *testing.T) {
	h := secret.NewHasher(make([]byte, 32))
	for method, want := range map[string]int{AuthClientSecretJWT: 64, AuthClientSecretBasic: 32} {
		_, sec, err := New(time.Now(), rand.Reader, h, sealerFunc(func(p, _ []byte) ([]byte, error) { return p, nil }), "w", Metadata{TokenEndpointAuthMethod: method}, Provenance{})
		if err != nil {
			t.Fatal(err)
		}
		if raw, err := base64.RawURLEncoding.DecodeString(sec); err != nil || len(raw) != want {
			t.Errorf("%s: secret of %d random bytes (%v); want %d", method, len(raw), err, want)
		}
	}
}

type sealerFunc func(plaintext, aad []byte) ([]byte, error)

func (f sealerFunc) Seal(plaintext, aad []byte) ([]byte, error) { return f(plaintext, aad) }
