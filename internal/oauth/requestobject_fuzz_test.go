package oauth

import (
	"errors"
	"slices"
	"testing"

	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/strictjson"
)

// FuzzRequestObjectClaims drives the reading of a request object's
// payload, which any client can send: a payload is refused with
// invalid_request_object, or becomes parameters that never include the
// object's own claims (iss, aud, exp…).
func FuzzRequestObjectClaims(f *testing.F) {
	for _, s := range []string{
		`{"iss":"c","aud":"https://as/w","exp":1,"response_type":"code","scope":"openid","max_age":300}`,
		`{"resource":["https://a","https://b"],"claims":{"userinfo":{"email":null}},"prompt":null}`,
		`{"resource":[1,2]}`, `{"state":true}`, `{"x":[]}`, `{"a":"\ud800"}`, `[]`, `"s"`, `{"a":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		obj, err := strictjson.DecodeNamedObject("the request object", payload)
		if err != nil {
			return // refused before, as invalid_request_object
		}
		params, err := claimsAsParams(obj)
		if err != nil {
			var oe *oautherr.Error
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRequestObject {
				t.Fatalf("%s: refused with %v", payload, err)
			}
			return
		}
		for name := range params {
			if slices.Contains(selfClaims, name) {
				t.Fatalf("%s: the object's own claim %s became a parameter", payload, name)
			}
		}
	})
}
