package policy

import (
	"strings"
	"testing"
	"time"
)

// The rules README's examples use, and the failures a rule can meet,
// against requests that pass and fail them.
func TestJudge(t *testing.T) {
	partner := Rule{Name: "partner-redirects", When: "'authorization_code' in request.grant_types",
		Expr:    "request.redirect_uris.all(u, u.startsWith('https://') && u.endsWith('.partner.example/cb'))",
		Message: "redirect URIs must be https on partner.example"}
	softwareID := Rule{Name: "require-software-id", Expr: "has(software_statement.software_id)", Message: "a software statement with software_id is required"}
	roles := Rule{Name: "scopes-by-role", Message: "scopes beyond the statement's roles",
		Expr: "request.scope.split(' ').all(s, s == 'openid' || software_statement.software_roles.exists(r, r.lowerAscii() in {'aisp': ['accounts'], 'pisp': ['payments']} && s in {'aisp': ['accounts'], 'pisp': ['payments']}[r.lowerAscii()]))"}
	missing := Rule{Name: "needs-contacts", Expr: "request.contacts.size() > 0", Message: "give contacts"}
	costly := Rule{Name: "costly", Expr: "request.redirect_uris.all(a, request.redirect_uris.all(b, request.redirect_uris.all(c, a + b + c != '')))", Message: "too dear"}
	tokenScope := Rule{Name: "token-scope", Expr: "operation == 'update' || token.scope.split(' ').exists(s, s == 'dcr')", Message: "needs the dcr scope"}
	lifetime := Rule{Name: "lifetime", Expr: "request.access_token_lifetime <= 300 && request.access_token_lifetime != 299", Message: "at most 300"}
	many := make([]any, 40)
	for i := range many {
		many[i] = "https://a.partner.example/cb"
	}
	cases := []struct {
		name   string
		rule   Rule
		in     Input
		denied string // "" allows; else a part of the reason
	}{
		{"partner ok", partner, Input{Request: map[string]any{"grant_types": []any{"authorization_code"}, "redirect_uris": []any{"https://app.partner.example/cb"}}}, ""},
		{"partner elsewhere", partner, Input{Request: map[string]any{"grant_types": []any{"authorization_code"}, "redirect_uris": []any{"https://evil.example/cb"}}}, "redirect URIs must be https on partner.example"},
		{"partner does not apply", partner, Input{Request: map[string]any{"grant_types": []any{"client_credentials"}}}, ""},
		{"software id present", softwareID, Input{SoftwareStatement: map[string]any{"software_id": "acme"}}, ""},
		{"no statement", softwareID, Input{}, "software_id is required"},
		{"scopes within roles", roles, Input{Request: map[string]any{"scope": "openid accounts"}, SoftwareStatement: map[string]any{"software_roles": []any{"AISP"}}}, ""},
		{"scope beyond roles", roles, Input{Request: map[string]any{"scope": "openid payments"}, SoftwareStatement: map[string]any{"software_roles": []any{"AISP"}}}, "scopes beyond the statement's roles"},
		{"missing field", missing, Input{Request: map[string]any{}}, "could not be evaluated: no such key: contacts"},
		{"cost limit", costly, Input{Request: map[string]any{"redirect_uris": many}}, "cost limit exceeded"},
		{"token claims", tokenScope, Input{Token: map[string]any{"scope": "openid dcr"}, Operation: OperationCreate}, ""},
		{"token without scope", tokenScope, Input{Operation: OperationCreate}, "could not be evaluated"},
		{"update", tokenScope, Input{Operation: OperationUpdate}, ""},
		// JSON numbers arrive as float64 (CEL double), compared with ints.
		{"json number", lifetime, Input{Request: map[string]any{"access_token_lifetime": float64(300)}}, ""},
		{"json number over", lifetime, Input{Request: map[string]any{"access_token_lifetime": float64(301)}}, "at most 300"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, errs := Compile([]Rule{c.rule}, 10_000)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			c.in.Now = time.Now()
			denials := set.Judge(c.in, true)
			switch {
			case c.denied == "" && len(denials) > 0:
				t.Fatalf("denied: %+v", denials)
			case c.denied != "" && len(denials) != 1:
				t.Fatalf("got %d denials, want 1", len(denials))
			case c.denied != "" && !strings.Contains(denials[0].Reason, c.denied):
				t.Fatalf("reason %q lacks %q", denials[0].Reason, c.denied)
			}
		})
	}
}

func TestJudgeAllOrFirst(t *testing.T) {
	rules := []Rule{{Name: "a", Expr: "false", Message: "A"}, {Name: "b", Expr: "true", Message: "B"}, {Name: "c", Expr: "now < timestamp('2000-01-01T00:00:00Z')", Message: "C"}}
	set, errs := Compile(rules, 100)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	in := Input{Now: time.Now()}
	if got := set.Judge(in, true); len(got) != 2 || got[0].Rule.Name != "a" || got[1].Rule.Name != "c" {
		t.Fatalf("all: %+v", got)
	}
	if got := set.Judge(in, false); len(got) != 1 || got[0].Rule.Name != "a" {
		t.Fatalf("first: %+v", got)
	}
}

func TestCompileErrors(t *testing.T) {
	_, errs := Compile([]Rule{
		{Name: "syntax", Expr: "request.(("},
		{Name: "unknown", Expr: "requests.scope == 'x'"},
		{Name: "string", Expr: "'allow'"},
		{Name: "bad-when", When: "1 + 'a'", Expr: "true"},
		{Name: "dyn", Expr: "request.client_name"},
		{Name: "dyn-when", When: "request.flag", Expr: "true"},
		{Name: "fine", Expr: "has(request.scope)"},
		{Name: "compared", When: "request.flag == true", Expr: "!request.disabled && (request.a || request.b)"},
	}, 100)
	want := []string{`policy "syntax": rule: ERROR: <input>:1:`, `policy "unknown": rule: ERROR: <input>:1:1: undeclared reference to 'requests'`,
		`policy "string": rule: returns string, not a bool`, `policy "bad-when": when: ERROR:`,
		`policy "dyn": rule: returns dyn, not a bool: a member of the request, statement or token may hold any type; compare it to make a bool (request.flag == true`,
		`policy "dyn-when": when: returns dyn, not a bool`}
	if len(errs) != len(want) {
		t.Fatalf("got %v", errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i], w)
		}
	}
}

func TestCachedCompilesOnce(t *testing.T) {
	rules := []Rule{{Name: "x", Expr: "true"}}
	a, err := Cached(rules, 10)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Cached([]Rule{{Name: "x", Expr: "true"}}, 10)
	c, _ := Cached(rules, 11)
	if a != b || a == c {
		t.Fatal("cache keyed wrongly")
	}
}

// A request finds its workspace's compiled rules without building a key
// out of their text: a hit allocates nothing.
func TestCachedHitAllocatesNothing(t *testing.T) {
	rules := []Rule{{Name: "x", When: "true", Expr: "true", Message: "m", Error: "invalid_client_metadata"}, {Name: "y", Expr: "false"}}
	if _, err := Cached(rules, 10); err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(20, func() { Cached(rules, 10) }); allocs != 0 {
		t.Errorf("a cache hit allocates %v times", allocs)
	}
}
