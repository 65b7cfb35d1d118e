package oauth

import (
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// request and request_uri stand for the whole request: one nested in the
// parameters they stand for is refused.
func TestNestedRequestRefused(t *testing.T) {
	s := &Service{}
	for _, param := range []string{"request", "request_uri"} {
		var req AuthorizeRequest
		e := s.parseAuthorizeParams(workspace.Workspace{}, client.Client{}, Params{param: {"https://evil.example/x"}}, &req)
		if e == nil || e.Code != oautherr.InvalidRequest {
			t.Errorf("%s: %v; want invalid_request", param, e)
		}
	}
}

// A native client's loopback redirect may take any port at authorize
// (RFC 8252 §7.3), but only one a listener can have: the browser goes there.
func TestLoopbackMatchPort(t *testing.T) {
	cl := client.Client{Metadata: client.Metadata{ApplicationType: client.ApplicationTypeNative,
		RedirectURIs: []string{"http://127.0.0.1:8765/cb", "http://[::1]/cb"}}}
	for given, ok := range map[string]bool{
		"http://127.0.0.1:8765/cb":          true,
		"http://127.0.0.1:1/cb":             true,
		"http://127.0.0.1:65535/cb":         true,
		"http://127.0.0.1/cb":               true,
		"http://[::1]:9999/cb":              true,
		"http://127.0.0.1:0/cb":             false,
		"http://127.0.0.1:99999/cb":         false,
		"http://127.0.0.1:/cb":              false,
		"http://127.0.0.1:08765/cb":         false,
		"http://[::ffff:127.0.0.1]:8765/cb": false,
	} {
		_, err := matchRedirect(cl, given)
		if (err == nil) != ok {
			t.Errorf("%s: err = %v; want accepted %v", given, err, ok)
		}
	}
}
