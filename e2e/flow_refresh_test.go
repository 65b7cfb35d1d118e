package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// jwtClaims decodes a compact JWS's payload without verifying it; the
// signature is checked where it matters (foundation_test.go).
func jwtClaims(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %.40s…", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	if err != nil || json.Unmarshal(raw, &c) != nil {
		t.Fatalf("undecodable JWS payload: %.40s…", token)
	}
	return c
}

// mustRefresh refreshes rt and returns the token response.
func (f *flowFixture) mustRefresh(t *testing.T, rt string) map[string]any {
	t.Helper()
	r := f.refresh(rt)
	if r.Status != 200 {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

// TestRefreshedAccessTokenKeepsAuthTime: RFC 9068 §2.2.1 — the user
// authenticated once, at sign-in; every access token of the grant says
// when, the ones the refresh_token grant issues (after rotations) included.
func TestRefreshedAccessTokenKeepsAuthTime(t *testing.T) {
	f := newFlowFixture(t, "").confidential()
	tok := f.mustTokens(t, url.Values{"scope": {"openid offline_access"}})
	authTime, ok := jwtClaims(t, tok["access_token"].(string))["auth_time"].(float64)
	if !ok || authTime == 0 {
		t.Fatalf("the code exchange's access token has no auth_time: %v", jwtClaims(t, tok["access_token"].(string)))
	}
	rt := tok["refresh_token"].(string)
	// Introspection says it too, of the access and the refresh token.
	for name, token := range map[string]string{"access": tok["access_token"].(string), "refresh": rt} {
		if got := f.introspectAs(token)["auth_time"]; got != authTime {
			t.Fatalf("introspecting the %s token: auth_time %v, want %v", name, got, authTime)
		}
	}
	// And of an opaque access token, which only its record describes.
	o := newFlowFixture(t, "workspaces:\n  - name: default\n    access_token_format: opaque\n").confidential()
	opaque := o.mustTokens(t, url.Values{"scope": {"openid"}})["access_token"].(string)
	if got, _ := o.introspectAs(opaque)["auth_time"].(float64); got == 0 {
		t.Fatalf("an opaque access token introspects without auth_time: %v", o.introspectAs(opaque))
	}
	for i := range 2 {
		next := f.mustRefresh(t, rt)
		if got := jwtClaims(t, next["access_token"].(string))["auth_time"]; got != authTime {
			t.Fatalf("refresh %d: auth_time %v, want %v from sign-in", i+1, got, authTime)
		}
		rt = next["refresh_token"].(string)
	}
}

// TestRefreshFamilyHasAbsoluteLifetime: rotation hands out a new refresh
// token but not more time. Every token of a grant expires when its first
// refresh token did, so refreshing cannot keep a grant alive forever
// (Duende's AbsoluteRefreshTokenLifetime, Keycloak's SSO Session Max).
func TestRefreshFamilyHasAbsoluteLifetime(t *testing.T) {
	f := newFlowFixture(t, "workspaces:\n  - name: default\n    refresh_token_ttl: 600\n").confidential()
	first := f.mustTokens(t, url.Values{"scope": {"openid offline_access"}})["refresh_token"].(string)
	end, ok := f.introspectAs(first)["exp"].(float64)
	if !ok {
		t.Fatal("the first refresh token introspects without exp")
	}
	// Less time left than an access token's 600 s: the grant's end caps it.
	f.n.advance(2 * time.Minute)
	next := f.mustRefresh(t, first)
	rotated := next["refresh_token"].(string)
	if exp, _ := jwtClaims(t, next["access_token"].(string))["exp"].(float64); exp > end {
		t.Fatalf("the refreshed access token expires at %v, after its grant's end %v", exp, end)
	}
	if exp := f.introspectAs(rotated)["exp"]; exp != end {
		t.Fatalf("the rotated refresh token expires at %v; want %v, when its family's first did", exp, end)
	}
	f.n.advance(time.Unix(int64(end)+1, 0).Sub(f.n.now()))
	wantError(t, f.refresh(rotated), 400, "invalid_grant", "the refresh token has expired")
}

// TestDuendeSlidingAndCodeLifetimes: the two Duende lifetimes a client
// registers take effect. Its codes die after authorization_code_lifetime;
// each refresh token, the first and every rotated one, dies unused after
// sliding_refresh_token_lifetime, while used in time the family lives on
// to its absolute end.
func TestDuendeSlidingAndCodeLifetimes(t *testing.T) {
	f := newFlowFixture(t, "workspaces:\n  - name: default\n    refresh_token_ttl: 600\n")
	reg := f.n.mustRegister("default", f.n.iat("default", 1), `{"redirect_uris":["https://other.example/cb"],"scope":"openid offline_access",
		"grant_types":["authorization_code","refresh_token"],"sliding_refresh_token_lifetime":120,"authorization_code_lifetime":10}`)
	if reg["refresh_token_idle_lifetime"] != float64(120) || reg["authorization_code_lifetime"] != float64(10) {
		t.Fatalf("registered %v: want the lifetimes under our names", reg)
	}
	f.secretClient = reg
	f = f.confidential()

	verifier, _ := pkce()
	late := f.login(newAgent(t), url.Values{"scope": {"openid offline_access"}}).Query().Get("code")
	f.n.advance(11 * time.Second)
	wantError(t, f.postAs("token", url.Values{"grant_type": {"authorization_code"}, "code": {late}, "redirect_uri": {f.redirect},
		"code_verifier": {verifier}}), 400, "invalid_grant")

	first := f.mustTokens(t, url.Values{"scope": {"openid offline_access"}})["refresh_token"].(string)
	if exp, _ := f.introspectAs(first)["exp"].(float64); time.Unix(int64(exp), 0).After(f.n.now().Add(121 * time.Second)) {
		t.Fatalf("the first refresh token expires at %v, past the sliding lifetime", exp)
	}
	rt := first
	for range 3 { // 300 s of use, more than the sliding lifetime, in steps within it
		f.n.advance(100 * time.Second)
		rt = f.mustRefresh(t, rt)["refresh_token"].(string)
	}
	f.n.advance(121 * time.Second)
	wantError(t, f.refresh(rt), 400, "invalid_grant", "the refresh token has expired")
}
