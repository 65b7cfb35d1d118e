package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Helpers for the flow fixture's client: the public one authenticates with
// its client_id alone, the confidential one with its secret.

func (f *flowFixture) postAs(endpoint string, form url.Values) response {
	f.n.t.Helper()
	form.Set("client_id", f.clientID)
	var auth []string
	if f.secret != "" {
		auth = []string{"Authorization", basicAuth(f.clientID, f.secret)}
	}
	return postForm(f.n.t, f.n.Base+"/default/oauth2/"+endpoint, form, auth...)
}

// activeAtUserinfo tells whether an access token still works, for tests of
// the public client, which cannot introspect.
func (f *flowFixture) activeAtUserinfo(at string) bool {
	return get(f.n.t, f.n.Base+"/default/oauth2/userinfo", "Authorization", "Bearer "+at).Status == 200
}

func (f *flowFixture) refresh(rt string, resources ...string) response {
	f.n.t.Helper()
	return f.postAs("token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "resource": resources})
}

func (f *flowFixture) introspectAs(token string) map[string]any {
	f.n.t.Helper()
	r := f.postAs("introspect", url.Values{"token": {token}})
	if r.Status != 200 {
		f.n.t.Fatalf("introspect: %d %s", r.Status, r.Body)
	}
	return r.JSON(f.n.t)
}

// mustTokens signs carol in with extra authorization parameters and
// exchanges the code, sending resources at the token endpoint.
func (f *flowFixture) mustTokens(t *testing.T, extra url.Values, resources ...string) map[string]any {
	t.Helper()
	verifier, _ := pkce()
	code := f.login(newAgent(t), extra).Query().Get("code")
	r := f.postAs("token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect},
		"code_verifier": {verifier}, "resource": resources})
	if r.Status != 200 {
		t.Fatalf("exchange: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

func wantInactive(t *testing.T, what string, in map[string]any) {
	t.Helper()
	if len(in) != 1 || in["active"] != false {
		t.Fatalf("%s introspects as %v; want exactly {active:false}", what, in)
	}
}

const (
	resA = "https://a.example/api"
	resB = "https://b.example/api"
	resC = "https://c.example/api"
)

// TestRefreshResourceIndicators: RFC 8707 §2.2 on the refresh grant. The
// refresh token is bound to every resource the user authorized; a refresh
// names any subset of them (the new access token's aud is exactly that
// subset) or none (aud is all of them), and never one beyond.
func TestRefreshResourceIndicators(t *testing.T) {
	f := newFlowFixture(t, fmt.Sprintf("workspaces:\n  - name: default\n    resources: [%s, %s, %s]\n", resA, resB, resC))
	tok := f.mustTokens(t, url.Values{"scope": {"openid offline_access"}, "resource": {resA, resB}}, resA)
	if aud := jwtAudience(t, tok["access_token"].(string)); !slices.Equal(aud, []string{resA}) {
		t.Fatalf("the code exchange narrowed to %s, aud %v", resA, aud)
	}
	rt := tok["refresh_token"].(string)
	for _, tc := range []struct {
		ask, want []string
	}{
		{nil, []string{resA, resB}},
		{[]string{resB}, []string{resB}},
		{[]string{resB, resA}, []string{resB, resA}},
		{[]string{resA}, []string{resA}},
	} {
		r := f.refresh(rt, tc.ask...)
		if r.Status != 200 {
			t.Fatalf("refresh asking %v: %d %s", tc.ask, r.Status, r.Body)
		}
		m := r.JSON(t)
		if aud := jwtAudience(t, m["access_token"].(string)); !slices.Equal(aud, tc.want) {
			t.Fatalf("refresh asking %v: aud %v, want %v", tc.ask, aud, tc.want)
		}
		rt = m["refresh_token"].(string)
	}
	for _, ask := range [][]string{{resC}, {resA, resC}, {"https://elsewhere.example/"}, {"not a uri"}} {
		wantError(t, f.refresh(rt, ask...), 400, "invalid_target")
	}
	if r := f.refresh(rt); r.Status != 200 {
		t.Fatalf("the refresh token did not survive refused requests: %d %s", r.Status, r.Body)
	}

	// A grant made without resources has none a refresh could name.
	bare := f.mustTokens(t, url.Values{"scope": {"openid offline_access"}})
	wantError(t, f.refresh(bare["refresh_token"].(string), resA), 400, "invalid_target")
}

// TestIntrospectionAfterUserDelete: once an operator deletes a user, the
// JWT access tokens issued for them introspect as inactive, while
// client_credentials tokens are untouched.
func TestIntrospectionAfterUserDelete(t *testing.T) {
	f := newFlowFixture(t, "").confidential()
	at := f.mustTokens(t, url.Values{"scope": {"openid"}})["access_token"].(string)
	id, secret := f.n.createClient("default", "--grant-type", "client_credentials", "--scope", "profile")
	cc := f.n.clientCredentials("default", id, secret, "profile")["access_token"].(string)
	if in := f.introspectAs(at); in["active"] != true {
		t.Fatalf("before the delete: %v", in)
	}
	f.n.mustCLI("user", "delete", "--workspace", "default", "carol")
	wantInactive(t, "a deleted user's JWT access token", f.introspectAs(at))
	if in := f.n.introspect("default", id, secret, cc); in["active"] != true {
		t.Fatalf("a client_credentials token after a user delete: %v", in)
	}
}

// TestFailedCodeExchangeKeepsCode: a refused code exchange changes
// nothing, so the rightful client can still redeem the code; only a replay
// of a redeemed code that passes its binding (client, redirect_uri,
// verifier) revokes what it issued.
func TestFailedCodeExchangeKeepsCode(t *testing.T) {
	f := newFlowFixture(t, "workspaces:\n  - name: default\n    resources: ["+resA+"]\n")
	verifier, _ := pkce()
	code := f.login(newAgent(t), nil).Query().Get("code")
	exchange := func(form url.Values, auth ...string) response {
		base := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect}, "code_verifier": {verifier}}
		for k, vs := range form {
			base[k] = vs
		}
		return postForm(t, f.n.Base+"/default/oauth2/token", base, auth...)
	}
	const badVerifier = "code_verifier does not match the code_challenge"
	otherAuth := []string{"Authorization", basicAuth(f.secretClient["client_id"].(string), f.secretClient["client_secret"].(string))}
	mine := url.Values{"client_id": {f.clientID}}
	wantError(t, exchange(nil, otherAuth...), 400, "invalid_grant", "the authorization code was issued to another client")
	wantError(t, exchange(url.Values{"client_id": {f.clientID}, "code_verifier": {"w" + verifier[1:]}}), 400, "invalid_grant", badVerifier)
	wantError(t, exchange(url.Values{"client_id": {f.clientID}, "code_verifier": {""}}), 400, "invalid_grant", badVerifier)
	wantError(t, exchange(url.Values{"client_id": {f.clientID}, "redirect_uri": {"http://127.0.0.1:8765/other"}}), 400, "invalid_grant", "redirect_uri does not match the authorization request")
	wantError(t, exchange(url.Values{"client_id": {f.clientID}, "resource": {"https://elsewhere.example/"}}), 400, "invalid_target")

	ok := exchange(mine)
	if ok.Status != 200 {
		t.Fatalf("the rightful exchange after refused ones: %d %s", ok.Status, ok.Body)
	}
	at := ok.JSON(t)["access_token"].(string)
	// The redeemed code again, from another client and with a wrong verifier:
	wantError(t, exchange(nil, otherAuth...), 400, "invalid_grant")
	wantError(t, exchange(url.Values{"client_id": {f.clientID}, "code_verifier": {"w" + verifier[1:]}}), 400, "invalid_grant")
	if !f.activeAtUserinfo(at) {
		t.Fatal("a replay failing the code's binding revoked the tokens")
	}
	wantError(t, exchange(mine), 400, "invalid_grant", "the authorization code was already used; tokens issued with it are revoked")
	if f.activeAtUserinfo(at) {
		t.Fatal("an access token of a replayed code still works")
	}
}

// TestConcurrentCodeExchanges: of several simultaneous correct exchanges
// of one code, exactly one gets tokens.
func TestConcurrentCodeExchanges(t *testing.T) {
	f := newFlowFixture(t, "")
	verifier, _ := pkce()
	code := f.login(newAgent(t), nil).Query().Get("code")
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = f.exchange(code, verifier, f.clientID).Status
		}()
	}
	wg.Wait()
	if won := slices.Index(statuses, 200); won < 0 || slices.Index(statuses[won+1:], 200) >= 0 {
		t.Fatalf("statuses %v; want exactly one 200", statuses)
	}
}

// TestRefreshErrorNamesRevocation: a refresh token revoked (through
// /revoke or by a code replay) is refused as revoked; only the reuse of a
// rotated-out one is reported as reuse, and revokes the family.
func TestRefreshErrorNamesRevocation(t *testing.T) {
	f := newFlowFixture(t, "")
	offline := url.Values{"scope": {"openid offline_access"}}
	const revoked = "the refresh token has been revoked"

	tok := f.mustTokens(t, offline)
	if r := f.postAs("revoke", url.Values{"token": {tok["refresh_token"].(string)}}); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	wantError(t, f.refresh(tok["refresh_token"].(string)), 400, "invalid_grant", revoked)
	// RFC 7009 §2.1: revoking a refresh token reaches its grant's access tokens.
	if f.activeAtUserinfo(tok["access_token"].(string)) {
		t.Fatal("the access token of a revoked refresh token still works")
	}

	verifier, _ := pkce()
	code := f.login(newAgent(t), offline).Query().Get("code")
	rt := f.exchange(code, verifier, f.clientID).JSON(t)["refresh_token"].(string)
	f.exchange(code, verifier, f.clientID)
	wantError(t, f.refresh(rt), 400, "invalid_grant", revoked)

	rt1 := f.mustTokens(t, offline)["refresh_token"].(string)
	next := f.refresh(rt1)
	if next.Status != 200 {
		t.Fatalf("rotation: %d %s", next.Status, next.Body)
	}
	wantError(t, f.refresh(rt1), 400, "invalid_grant", "the refresh token was already used; every token of this grant is revoked")
	wantError(t, f.refresh(next.JSON(t)["refresh_token"].(string)), 400, "invalid_grant", revoked)
}

// TestUserinfoInsufficientScopeChallenge: RFC 6750 §3.1 — an access token
// without openid gets 403 insufficient_scope, with the bearer challenge.
func TestUserinfoInsufficientScopeChallenge(t *testing.T) {
	f := newFlowFixture(t, "")
	verifier, _ := pkce()
	code := f.login(newAgent(t), url.Values{"scope": {"profile"}}).Query().Get("code")
	at := f.exchange(code, verifier, f.clientID).JSON(t)["access_token"].(string)
	r := get(t, f.n.Base+"/default/oauth2/userinfo", "Authorization", "Bearer "+at)
	if r.Status != 403 || r.JSON(t)["error"] != "insufficient_scope" || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`) {
		t.Fatalf("userinfo without openid: %d %q %s", r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
	}
}

// jwtAudience reads a JWT access token's aud, one string or several.
func jwtAudience(t *testing.T, at string) []string {
	t.Helper()
	switch aud := jwtClaims(t, at)["aud"].(type) {
	case string:
		return []string{aud}
	default:
		return stringList(aud)
	}
}
