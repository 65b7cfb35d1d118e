package workspace

import (
	"encoding/json"
	"slices"
	"testing"
)

// A template's client is decoded once, not on every registration, and a
// changed client (new settings) is decoded anew.
func TestClientFieldsDecodedOnce(t *testing.T) {
	fields := func(scope string) ClientFields {
		return ClientFields{
			"client_name":   json.RawMessage(`"partner"`),
			"contacts":      json.RawMessage(`["ops@partner.example"]`),
			"grant_types":   json.RawMessage(`["client_credentials"]`),
			"redirect_uris": json.RawMessage(`["https://partner.example/cb"]`),
			"scope":         json.RawMessage(`"` + scope + `"`),
		}
	}
	same := fields("profile")
	if _, _, err := same.Metadata(); err != nil {
		t.Fatal(err)
	}
	// Copies of the metadata's lists and of the names: a handful of
	// allocations, where decoding takes several times as many.
	allocs := testing.AllocsPerRun(20, func() { same.Metadata() })
	if allocs > 8 {
		t.Errorf("decoding the same client again allocates %v times: it is not remembered", allocs)
	}
	md, names, err := fields("accounts").Metadata()
	if err != nil || md.Scope != "accounts" || !slices.Equal(names, []string{"client_name", "contacts", "grant_types", "redirect_uris", "scope"}) {
		t.Fatalf("changed client = %q %v %v, want scope accounts", md.Scope, names, err)
	}
	// Each caller gets its own copy.
	md.GrantTypes[0] = "changed"
	if again, _, _ := fields("accounts").Metadata(); again.GrantTypes[0] != "client_credentials" {
		t.Fatalf("a caller's change reached the remembered client: %v", again.GrantTypes)
	}
}
