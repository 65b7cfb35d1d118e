package registration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store"
)

// TestSealedSecretOnlyForClientSecretJWT: a client registered for
// client_secret_jwt keeps its secret sealed, bound to it, and no answer
// shows the sealed value; every other client keeps a keyed hash only. An
// update cannot move a client into client_secret_jwt (its secret is only
// a hash), and one moving out of it drops the sealed secret.
func TestSealedSecretOnlyForClientSecretJWT(t *testing.T) {
	f := newFixture(t)
	sealer, err := masterkey.NewSealer(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Secrets = sealer
	f.ws.Settings.Registration.AuthMethods = append(f.ws.Settings.Registration.AuthMethods, client.AuthClientSecretJWT)
	ctx := context.Background()
	register := func(method string) (Response, client.Client) {
		t.Helper()
		f.iat(t, "iat-"+method, "iat-"+method, nil)
		resp, err := f.svc.Register(ctx, f.ws, Request{Bearer: "iat-" + method, Body: []byte(`{"grant_types":["client_credentials"],"token_endpoint_auth_method":"` + method + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		cl, err := f.store.ClientByID(ctx, f.ws.Name, resp["client_id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		f.tick()
		return resp, cl
	}
	noSealedSecretIn := func(what string, resp Response, cl client.Client) {
		t.Helper()
		raw, _ := json.Marshal(resp)
		for _, enc := range []string{base64.StdEncoding.EncodeToString(cl.SealedSecret), base64.RawURLEncoding.EncodeToString(cl.SealedSecret)} {
			if strings.Contains(string(raw), enc) {
				t.Errorf("%s shows the sealed secret: %s", what, raw)
			}
		}
	}

	resp, cl := register(client.AuthClientSecretJWT)
	opened, err := sealer.Open(cl.SealedSecret, client.SecretAAD(f.ws.Name, cl.ID))
	if err != nil || string(opened) != resp["client_secret"] {
		t.Fatalf("sealed secret opens to %q, %v; want the issued secret", opened, err)
	}
	if !f.svc.Hasher.Verify(secret.PurposeClientSecret, resp["client_secret"].(string), cl.SecretHash) {
		t.Error("no keyed hash kept beside the sealed secret")
	}
	noSealedSecretIn("the registration answer", resp, cl)
	read, err := f.svc.Read(ctx, f.ws, cl.ID, Request{Bearer: resp["registration_access_token"].(string)})
	if err != nil {
		t.Fatal(err)
	}
	noSealedSecretIn("an RFC 7592 read", read, cl)

	_, basic := register(client.AuthClientSecretBasic)
	if basic.SealedSecret != nil {
		t.Fatalf("a client_secret_basic client has a sealed secret")
	}

	// Into client_secret_jwt: refused, nothing changed.
	basicResp, _ := f.svc.ReissueRegistrationToken(ctx, f.ws, basic.ID, store.AuditEvent{})
	_, err = f.svc.Update(ctx, f.ws, basic.ID, Request{Bearer: basicResp["registration_access_token"].(string),
		Body: []byte(`{"client_id":"` + basic.ID + `","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_jwt"}`)})
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); !strings.Contains(oe.Description, "register a new client") {
		t.Errorf("description %q", oe.Description)
	}
	// Out of it: the sealed secret goes.
	_, err = f.svc.Update(ctx, f.ws, cl.ID, Request{Bearer: resp["registration_access_token"].(string),
		Body: []byte(`{"client_id":"` + cl.ID + `","grant_types":["client_credentials"],"token_endpoint_auth_method":"client_secret_post"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if after, err := f.store.ClientByID(ctx, f.ws.Name, cl.ID); err != nil || after.SealedSecret != nil {
		t.Fatalf("after leaving client_secret_jwt: sealed %q, %v; want none", after.SealedSecret, err)
	}
}
