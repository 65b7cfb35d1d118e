package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
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
	f := newFlowFixture(t, "")
	tok := f.mustTokens(t, url.Values{"scope": {"openid offline_access"}})
	authTime, ok := jwtClaims(t, tok["access_token"].(string))["auth_time"].(float64)
	if !ok || authTime == 0 {
		t.Fatalf("the code exchange's access token has no auth_time: %v", jwtClaims(t, tok["access_token"].(string)))
	}
	rt := tok["refresh_token"].(string)
	for i := range 2 {
		next := f.mustRefresh(t, rt)
		if got := jwtClaims(t, next["access_token"].(string))["auth_time"]; got != authTime {
			t.Fatalf("refresh %d: auth_time %v, want %v from sign-in", i+1, got, authTime)
		}
		rt = next["refresh_token"].(string)
	}
}
