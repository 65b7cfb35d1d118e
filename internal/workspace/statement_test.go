package workspace

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const testJWKS = `{"keys":[{"kty":"EC","crv":"P-256","kid":"dir-1","alg":"ES256","use":"sig",` +
	`"x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`

// TestStatementSettingsValidate: every statement setting is checked at
// start, so a misconfigured trust store fails the start, not a request.
func TestStatementSettingsValidate(t *testing.T) {
	issuer := TrustedIssuer{Issuer: "Dir", JWKS: JWKSDoc(testJWKS)}
	cases := []struct {
		name string
		edit func(*Registration)
		says string // "" for valid
	}{
		{"off by default", func(*Registration) {}, ""},
		{"required with an inline issuer", func(r *Registration) {
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{issuer}}
		}, ""},
		{"mode software_statement", func(r *Registration) {
			r.Mode = ModeSoftwareStatement
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{issuer}}
		}, ""},
		{"an unknown mode", func(r *Registration) { r.SoftwareStatement.Mode = "sometimes" }, `"sometimes" is not one of off, optional, required`},
		{"required without issuers", func(r *Registration) { r.SoftwareStatement.Mode = Required }, "name at least one trusted issuer"},
		{"mode software_statement without issuers", func(r *Registration) {
			r.Mode = ModeSoftwareStatement
			r.SoftwareStatement.Mode = Required
		}, "name at least one trusted issuer"},
		{"mode software_statement with statements off", func(r *Registration) {
			r.Mode = ModeSoftwareStatement
			r.SoftwareStatement.Issuers = []TrustedIssuer{issuer}
		}, "set software_statement.mode: required"},
		{"an HMAC alg", func(r *Registration) {
			i := issuer
			i.Algs = []string{"HS256"}
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{i}}
		}, `alg "HS256" is not one of`},
		{"alg none", func(r *Registration) {
			i := issuer
			i.Algs = []string{"none"}
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{i}}
		}, `alg "none" is not one of`},
		{"both jwks and jwks_uri", func(r *Registration) {
			i := issuer
			i.JWKSURI = "https://dir.example/jwks"
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{i}}
		}, "one of the two"},
		{"neither", func(r *Registration) {
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{{Issuer: "Dir"}}}
		}, "one of the two"},
		{"an http jwks_uri", func(r *Registration) {
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{{Issuer: "Dir", JWKSURI: "http://dir.example/jwks"}}}
		}, "must be an https URL"},
		{"jwks that is no JWK Set", func(r *Registration) {
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{{Issuer: "Dir", JWKS: JWKSDoc(`{"kty":"EC"}`)}}}
		}, "not a JWK Set"},
		{"jwks without a public key", func(r *Registration) {
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{{Issuer: "Dir", JWKS: JWKSDoc(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)}}}
		}, "holds no public signing key"},
		{"a key without kid", func(r *Registration) {
			noKid := strings.Replace(testJWKS, `"kid":"dir-1",`, "", 1)
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{{Issuer: "Dir", JWKS: JWKSDoc(noKid)}}}
		}, "every key in jwks needs a kid"},
		{"an issuer twice", func(r *Registration) {
			r.SoftwareStatement = SoftwareStatement{Mode: Required, Issuers: []TrustedIssuer{issuer, issuer}}
		}, "listed twice"},
		{"signed requests without statements", func(r *Registration) { r.SignedRequest = Required }, "turn software_statement.mode on"},
		{"an unknown signed_request", func(r *Registration) { r.SignedRequest = "yes" }, `"yes" is not one of off, optional, required`},
		{"an empty audience", func(r *Registration) { r.Audiences = []string{" "} }, "must not be empty"},
	}
	for _, tc := range cases {
		s := DefaultSettings()
		tc.edit(&s.Registration)
		var got []string
		for _, err := range s.Validate() {
			got = append(got, err.Error())
		}
		all := strings.Join(got, "\n")
		if tc.says == "" && len(got) != 0 || tc.says != "" && !strings.Contains(all, tc.says) {
			t.Errorf("%s: problems %q, want %q", tc.name, all, tc.says)
		}
	}
}

// TestStatementSettingsYAML: the YAML reads as written, an inline
// jwks kept as its JSON document.
func TestStatementSettingsYAML(t *testing.T) {
	doc := `
mode: required
issuers:
  - issuer: "OpenBanking Ltd"
    jwks_uri: https://keystore.example.com/directory.jwks
    algs: [PS256, ES256]
  - issuer: Inline
    jwks: {keys: [{kty: EC, crv: P-256, kid: dir-1, x: f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU, y: x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0}]}
max_age: 24h
`
	var st SoftwareStatement
	if err := yaml.Unmarshal([]byte(doc), &st); err != nil {
		t.Fatal(err)
	}
	// YAML 1.1 read off as false; yaml.v3 keeps it the word.
	var r Registration
	if err := yaml.Unmarshal([]byte("signed_request: off\nsoftware_statement: {mode: off}"), &r); err != nil || r.SignedRequest != Off || r.SoftwareStatement.Mode != Off {
		t.Errorf("off read as %+v, %v", r, err)
	}
	if st.Mode != Required || len(st.Issuers) != 2 || st.MaxAge.Duration().Hours() != 24 || st.Issuers[0].Algs[1] != "ES256" {
		t.Fatalf("read %+v", st)
	}
	if !strings.Contains(string(st.Issuers[1].JWKS), `"kid":"dir-1"`) {
		t.Errorf("inline jwks kept as %s", st.Issuers[1].JWKS)
	}
	r = DefaultSettings().Registration
	r.SoftwareStatement = st
	if errs := r.validate(DefaultSettings().Scopes); len(errs) != 0 {
		t.Errorf("the issue's settings are invalid: %v", errs)
	}
}
