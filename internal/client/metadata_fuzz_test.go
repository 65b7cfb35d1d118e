package client_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	. "github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// FuzzRegistrationMetadata: any registration body is refused with
// invalid_client_metadata or invalid_redirect_uri, or registers metadata
// that is stable: validating it again changes nothing, and the client as
// RFC 7591 §3.2.1 shows it (View), sent back as an update (RFC 7592 §2.2
// asks clients to send what they were given), registers to the same value.
func FuzzRegistrationMetadata(f *testing.F) {
	for _, s := range []string{
		`{"redirect_uris":["https://app.example.com/cb"]}`,
		`{"grant_types":["client_credentials"],"scope":"openid profile","redirect_uris":["https://tmp.com"]}`,
		`{"application_type":"native","token_endpoint_auth_method":"none","redirect_uris":["http://127.0.0.1/cb","http://[::1]:8080/cb","com.example.app:/oauth"]}`,
		`{"redirect_uris":["https://a.example/cb"],"client_name":"App","client_name#fr":"Appli","logo_uri":"https://a.example/l.png","contacts":["a@a.example"]}`,
		`{"redirect_uris":["https://a.example/cb"],"default_max_age":0,"require_auth_time":true,"access_token_lifetime":60,"post_logout_redirect_uris":["https://a.example/bye"]}`,
		`{"redirect_uris":["https://a.example/cb"],"jwks":{"keys":[]},"token_endpoint_auth_method":"private_key_jwt"}`,
		`{"redirect_uris":["https://a.example/cb","https://a.example:8443/x"],"subject_type":"pairwise"}`,
		`{"redirect_uris":["https://a.example/cb","https://b.example/cb"],"subject_type":"pairwise","sector_identifier_uri":"https://s.example/uris.json"}`,
		`{"redirect_uris":[],"grant_types":["implicit"]}`, `{"client_name":1}`, `{"redirect_uris":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		first, err := register(t, body)
		if err != nil {
			var oe *oautherr.Error
			if !errors.As(err, &oe) || (oe.Code != oautherr.InvalidClientMetadata && oe.Code != "invalid_redirect_uri") {
				t.Fatalf("%s: refused with %v", body, err)
			}
			return
		}
		again, err := Validate(first, testPolicy)
		if d := cmp.Diff(first, again); err != nil || d != "" {
			t.Fatalf("%s: registered metadata validates again to %v (-first +again):\n%s", body, err, d)
		}
		shown, err := json.Marshal(View(Client{ID: "c", IssuedAt: time.Unix(1, 0), Metadata: first}))
		if err != nil {
			t.Fatal(err)
		}
		back, err := register(t, string(shown))
		// View shows an absent list as [] (RFC 7591 §3.2.1 wants every
		// value explicit): the same registration as nil.
		if d := cmp.Diff(first, back, cmpopts.EquateEmpty()); err != nil || d != "" {
			t.Fatalf("%s: registered, shown as %s, and sent back: %v (-first +back):\n%s", body, shown, err, d)
		}
	})
}
