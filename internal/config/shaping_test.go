package config

import (
	"strings"
	"testing"
)

// Registration defaults and templates are read from the workspace's YAML
// and checked against its allow-lists when the config loads.
func TestLoadShaping(t *testing.T) {
	const good = `
workspaces:
  - name: partners
    registration:
      token_use: until_expiry
      defaults:
        scope: openid email profile
        token_endpoint_auth_method: client_secret_post
        access_token_lifetime: 300
      templates:
        - name: partner-web
          software_ids: [acme-portal]
          client:
            grant_types: [authorization_code, refresh_token]
            token_endpoint_auth_method: private_key_jwt
          open_fields: [redirect_uris, client_name, jwks]
`
	file, err := loadYAML(t, good)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, tc := range []struct{ yaml, want string }{
		{`
      templates:
        - name: cc-only
          client: {grant_types: [implicit]}`, `template "cc-only": grant_types: "implicit" is not supported`},
		{`
      templates:
        - name: t
          client: {scope: admin}`, `template "t": scope: "admin" is not allowed`},
		{`
      templates:
        - name: t
          open_fields: [redirect_uri]`, `open_fields: "redirect_uri" is not a registrable`},
		{`
      templates:
        - name: t
          client: {scope: openid}
          open_fields: [scope]`, `"scope" is fixed by the template's client`},
		{`
      defaults: {grant_typez: [authorization_code]}`, `registration.defaults: grant_typez: not a registrable`},
		{`
      defaults: {access_token_lifetime: 99999}`, `access_token_lifetime: 99999 exceeds`},
		{`
      defaults: {template: partner-web}`, `template: names the template a registration picks`},
		{`
      token_use: twice`, `registration.token_use: "twice"`},
		{`
      templates_only: true`, `registration.templates_only`},
	} {
		_, err := loadYAML(t, "workspaces:\n  - name: partners\n    registration:"+tc.yaml+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\nerr = %v, want it to say %q", tc.yaml, err, tc.want)
		}
	}
}
