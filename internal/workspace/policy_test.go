package workspace

import (
	"strings"
	"testing"
)

// TestValidatePolicies: every rule is named once, has a rule, a message
// and a known error, and compiles; each problem points at the field.
func TestValidatePolicies(t *testing.T) {
	s := DefaultSettings()
	s.Registration.Policies = []Policy{
		{Name: "ok", Rule: "true", Message: "m"},
		{Name: "ok", Rule: "true", Message: "m"},
		{Rule: "true", Message: "m"},
		{Name: "no-message", Rule: "true"},
		{Name: "bad-error", Rule: "true", Message: "m", Error: "server_error"},
	}
	var got []string
	for _, e := range s.Validate() {
		got = append(got, e.Path()+": "+e.Msg)
	}
	want := []string{
		`registration.policies[1]: name: "ok" is used twice`,
		`registration.policies[2]: name: set it`,
		`registration.policies[3].message: policy "no-message": set message`,
		`registration.policies[4].error: policy "bad-error": "server_error" is not one of`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d = %q, want %q…", i, got[i], want[i])
		}
	}
	s.Registration.Policies = []Policy{{Name: "typo", When: "requests.x", Rule: "1", Message: "m"}}
	s.Registration.PolicyCost = -1
	errs := s.Validate()
	if len(errs) != 1 || errs[0].Key != "registration.policy_cost_limit" {
		t.Fatalf("a bad cost limit first: %v", errs)
	}
	s.Registration.PolicyCost = 0
	errs = s.Validate()
	if len(errs) != 2 || errs[0].Path() != "registration.policies[0].when" || errs[1].Path() != "registration.policies[0].rule" {
		t.Fatalf("compile errors: %v", errs)
	}
}
