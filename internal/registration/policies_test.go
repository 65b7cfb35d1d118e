package registration

import (
	"encoding/json"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func BenchmarkPolicyInput(b *testing.B) {
	ws := workspace.Workspace{Name: "w", Settings: workspace.DefaultSettings()}
	obj := map[string]json.RawMessage{"client_name": json.RawMessage(`"bench"`), "grant_types": json.RawMessage(`["client_credentials"]`), "scope": json.RawMessage(`"profile"`)}
	md, _ := client.DecodeMetadata(obj)
	md, _ = validateMetadata(md, ws)
	s := &Service{}
	call := policyCall{sent: sentRequest{object: obj}, metadata: md, operation: "create"}
	b.Run("input", func(b *testing.B) {
		for b.Loop() {
			s.policyInput(ws, call)
		}
	})
	ws.Settings.Registration.Policies = []workspace.Policy{
		{Name: "a", Rule: "request.client_name.size() <= 100", Message: "m"},
		{Name: "b", Rule: "!('implicit' in request.grant_types)", Message: "m"},
		{Name: "c", When: "has(request.scope)", Rule: "request.scope.split(' ').all(s, s in workspace.scopes)", Message: "m"},
		{Name: "d", Rule: "has(request.client_name)", Message: "m"},
		{Name: "e", When: "'authorization_code' in request.grant_types", Rule: "request.redirect_uris.all(u, u.startsWith('https://'))", Message: "m"},
	}
	b.Run("judge", func(b *testing.B) {
		for b.Loop() {
			if d, err := s.judgePolicies(ws, call, false); err != nil || len(d) > 0 {
				b.Fatal(d, err)
			}
		}
	})
}

// TestFieldOf: a dry run files a validation refusal under the member its
// description names, and under "metadata" when it names none.
func TestFieldOf(t *testing.T) {
	for _, c := range []struct{ in, field, msg string }{
		{"redirect_uris: must be https", "redirect_uris", "must be https"},
		{"redirect_uris[2]: must be https", "redirect_uris", "must be https"},
		{"the grant needs redirect URIs: none given", "metadata", "the grant needs redirect URIs: none given"},
		{"no colon here", "metadata", "no colon here"},
	} {
		if f, m := fieldOf(c.in); f != c.field || m != c.msg {
			t.Errorf("fieldOf(%q) = %q, %q", c.in, f, m)
		}
	}
}
