package client_test

import (
	"encoding/json"
	"strings"
	"testing"

	. "github.com/registrar-dev/registrar/internal/client"
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
