package oauth

import (
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

// The token request is checked against what the code was issued for
// before the code is consumed.
func TestCheckCodeBinding(t *testing.T) {
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	const cb = "https://app.example/cb"
	withPKCE := store.AuthCode{ClientID: "app", RedirectURI: cb, CodeChallenge: challenge, CodeChallengeMethod: PKCES256}
	noPKCE := store.AuthCode{ClientID: "app", RedirectURI: cb}
	app := client.Client{ID: "app"}
	cases := []struct {
		name    string
		code    store.AuthCode
		cl      client.Client
		req     TokenRequest
		wantErr bool
	}{
		{"bound request", withPKCE, app, TokenRequest{RedirectURI: cb, CodeVerifier: verifier}, false},
		{"another client", withPKCE, client.Client{ID: "other"}, TokenRequest{RedirectURI: cb, CodeVerifier: verifier}, true},
		{"redirect_uri differs", withPKCE, app, TokenRequest{RedirectURI: cb + "/x", CodeVerifier: verifier}, true},
		{"redirect_uri missing", withPKCE, app, TokenRequest{CodeVerifier: verifier}, true},
		{"no redirect_uri was sent to /authorize", store.AuthCode{ClientID: "app"}, app, TokenRequest{}, false},
		{"wrong verifier", withPKCE, app, TokenRequest{RedirectURI: cb, CodeVerifier: verifier[:42] + "A"}, true},
		{"verifier missing", withPKCE, app, TokenRequest{RedirectURI: cb}, true},
		// RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
		{"verifier without challenge", noPKCE, app, TokenRequest{RedirectURI: cb, CodeVerifier: verifier}, true},
		{"neither", noPKCE, app, TokenRequest{RedirectURI: cb}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkCodeBinding(tc.code, tc.cl, tc.req); (err != nil) != tc.wantErr {
				t.Fatalf("err = %v; want error %v", err, tc.wantErr)
			}
		})
	}
}
