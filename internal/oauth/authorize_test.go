package oauth

import (
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// OIDC Core §3.1.2.6 names one error per way of passing a request object.
func TestRequestObjectErrors(t *testing.T) {
	s := &Service{}
	for param, want := range map[string]string{
		"request":     "request_not_supported",
		"request_uri": "request_uri_not_supported",
	} {
		var req AuthorizeRequest
		e := s.parseAuthorizeParams(workspace.Workspace{}, client.Client{}, Params{param: {"https://evil.example/x"}}, &req)
		if e == nil || e.Code != want {
			t.Errorf("%s: %v; want %s", param, e, want)
		}
	}
}
