package e2e

import (
	"net/url"
	"testing"
)

// TestUserinfoAccessTokenMethods: RFC 6750 §2 on the userinfo endpoint.
// The token is accepted in the Authorization header (§2.1) or as the
// access_token parameter of a POSTed form (§2.2), never in the query
// (§2.3); a request sending it in more than one way is refused with 400
// invalid_request (§2, §3.1).
func TestUserinfoAccessTokenMethods(t *testing.T) {
	f := newFlowFixture(t, "")
	at := f.mustTokens(t, nil)["access_token"].(string)
	endpoint := f.n.Base + "/default/oauth2/userinfo"
	bearer := []string{"Authorization", "Bearer " + at}
	body := url.Values{"access_token": {at}}

	if r := postForm(t, endpoint, body); r.Status != 200 || r.JSON(t)["sub"] == nil {
		t.Fatalf("POST with the token in the form body: %d %s", r.Status, r.Body)
	}
	if r := postForm(t, endpoint, url.Values{}, bearer...); r.Status != 200 {
		t.Fatalf("POST of an empty form with the token in the header: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name string
		do   func() response
	}{
		{"header and form body", func() response { return postForm(t, endpoint, body, bearer...) }},
		{"header and query", func() response { return get(t, endpoint+"?access_token="+at, bearer...) }},
		{"form body and query", func() response { return postForm(t, endpoint+"?access_token="+at, body) }},
		{"a repeated form parameter", func() response {
			return postForm(t, endpoint, url.Values{"access_token": {at, at}})
		}},
	} {
		if r := tc.do(); r.Status != 400 || r.JSON(t)["error"] != "invalid_request" {
			t.Errorf("token in %s: %d %s; want 400 invalid_request", tc.name, r.Status, r.Body)
		}
	}
	for _, tc := range []struct {
		name string
		do   func() response
	}{
		{"the query alone", func() response { return get(t, endpoint+"?access_token="+at) }},
		{"a body that is not a form", func() response { return post(t, endpoint, "text/plain", body.Encode()) }},
	} {
		if r := tc.do(); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("token in %s: %d %s; want 401 with a challenge", tc.name, r.Status, r.Body)
		}
	}
}
