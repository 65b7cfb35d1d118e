package registration

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func TestOpenAuthorizerAdmitsAnyone(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	g, err := f.svc.authorize(context.Background(), f.ws, Request{})
	if err != nil {
		t.Fatal(err)
	}
	if !g.open || g.use.Kind != store.CredentialNone || !g.use.At.Equal(t0) || g.provenance.Origin != client.OriginDCR {
		t.Fatalf("grant = %+v, want an open one at t0 consuming nothing", g)
	}
	if got := g.label(""); got != "open" {
		t.Errorf("label = %q, want open", got)
	}
}

// TestInitialAccessTokenAuthorizer: what each bearer is answered and what
// the grant names for the audit. Nothing is consumed here.
func TestInitialAccessTokenAuthorizer(t *testing.T) {
	f := newFixture(t)
	f.iat(t, "active", "v-active", nil)
	f.iat(t, "expired", "v-expired", func(t *store.InitialAccessToken) { t.ExpiresAt = t0 })
	f.iat(t, "revoked", "v-revoked", func(t *store.InitialAccessToken) { t.RevokedAt = t0.Add(-time.Minute) })
	f.iat(t, "used", "v-used", func(t *store.InitialAccessToken) { t.Uses = 1 })
	f.tokens = func(token string) (store.Token, error) {
		switch token {
		case "at-opaque":
			return store.Token{ID: "jti-1", Scope: "openid dcr", Format: workspace.FormatOpaque}, nil
		case "at-jwt":
			return store.Token{ID: "jti-2", ClientID: "c", Subject: "c", Scope: "dcr", Format: workspace.FormatJWT, IssuedAt: t0, ExpiresAt: t0.Add(time.Minute), Audience: []string{"a"}}, nil
		case "at-no-scope":
			return store.Token{ID: "jti-3", Scope: "openid dcrx", Format: workspace.FormatOpaque}, nil
		}
		return store.Token{}, ErrInactiveToken
	}
	cases := []struct {
		name, bearer string
		code         string // "" when authorized
		challenge    string // a part of WWW-Authenticate
		label        string
	}{
		{"no bearer", "", oautherr.InvalidToken, `Bearer realm="registrar"`, "none"},
		{"active operator token", "v-active", "", "", "initial_access_token:active"},
		{"expired operator token", "v-expired", oautherr.InvalidToken, `error="invalid_token"`, "initial_access_token:expired"},
		{"revoked operator token", "v-revoked", oautherr.InvalidToken, `error="invalid_token"`, "initial_access_token:revoked"},
		{"used-up operator token", "v-used", oautherr.InvalidToken, `error="invalid_token"`, "initial_access_token:used"},
		{"access token with the registration scope", "at-opaque", "", "", "access_token:jti-1"},
		{"JWT access token with the registration scope", "at-jwt", "", "", "access_token:jti-2"},
		{"access token without the registration scope", "at-no-scope", oautherr.InsufficientScope, `scope="dcr"`, "access_token:jti-3"},
		{"inactive token", "nothing-known", oautherr.InvalidToken, `error="invalid_token"`, labelUnmatchedBearer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := f.svc.authorize(context.Background(), f.ws, Request{Bearer: tc.bearer})
			if tc.code == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.code != "" {
				oe := wantCode(t, err, tc.code)
				if !strings.Contains(oe.Challenge, tc.challenge) {
					t.Errorf("challenge %q lacks %q", oe.Challenge, tc.challenge)
				}
			}
			if got := g.label(tc.bearer); got != tc.label {
				t.Errorf("label = %q, want %q", got, tc.label)
			}
		})
	}
}

// TestNoRegistrationScopeTakesOnlyOperatorTokens: with registration.scope
// "" an access token is an unknown bearer (401 invalid_token), not one
// lacking the scope "" (403).
func TestNoRegistrationScopeTakesOnlyOperatorTokens(t *testing.T) {
	f := newFixture(t)
	f.iat(t, "active", "v-active", nil)
	f.tokens = func(string) (store.Token, error) {
		return store.Token{ID: "jti", Scope: "openid dcr", Format: workspace.FormatOpaque}, nil
	}
	f.ws.Settings.Registration.Scope = ""
	g, err := f.svc.authorize(context.Background(), f.ws, Request{Bearer: "an-access-token"})
	oe := wantCode(t, err, oautherr.InvalidToken)
	if oe.Status != 401 || g.label("an-access-token") != labelUnmatchedBearer {
		t.Errorf("status %d, label %q: want 401 and an unmatched bearer", oe.Status, g.label("an-access-token"))
	}
	if _, err := f.svc.authorize(context.Background(), f.ws, Request{Bearer: "v-active"}); err != nil {
		t.Errorf("operator token refused: %v", err)
	}
}

func TestAccessTokenGrantRecordsItsUse(t *testing.T) {
	f := newFixture(t)
	f.tokens = func(token string) (store.Token, error) {
		return store.Token{ID: token, ClientID: "c", Subject: "u", Scope: "dcr", Format: map[string]string{"j": workspace.FormatJWT, "o": workspace.FormatOpaque}[token], IssuedAt: t0, ExpiresAt: t0.Add(time.Minute)}, nil
	}
	g, err := f.svc.authorize(context.Background(), f.ws, Request{Bearer: "o"})
	if err != nil || g.use.Token != nil || !g.use.At.Equal(t0) || g.provenance.InitialAccessTokenID != "access_token:o" {
		t.Fatalf("opaque: grant %+v, err %v: want its stored record consumed, none inserted", g, err)
	}
	g, err = f.svc.authorize(context.Background(), f.ws, Request{Bearer: "j"})
	if err != nil || g.use.Token == nil || g.use.Token.ID != "j" || g.use.Token.Kind != store.KindAccess || g.use.Token.Subject != "u" {
		t.Fatalf("JWT: grant %+v, err %v: want a record of the token to insert as consumed", g, err)
	}
}

// TestAuthorizeFaultsAreNotDecisions: an outage of the store or the token
// verifier, and a mode without an authorizer, are errors, never a refusal
// the client is answered with.
func TestAuthorizeFaultsAreNotDecisions(t *testing.T) {
	f := newFixture(t)
	outage := errors.New("verifier down")
	f.tokens = func(string) (store.Token, error) { return store.Token{}, outage }
	if _, err := f.svc.authorize(context.Background(), f.ws, Request{Bearer: "x"}); !errors.Is(err, outage) {
		t.Errorf("verifier outage: err = %v", err)
	}
	f.ws.Settings.Registration.Mode = "closed"
	_, err := f.svc.authorize(context.Background(), f.ws, Request{Bearer: "x"})
	var oe *oautherr.Error
	if err == nil || errors.As(err, &oe) {
		t.Errorf("unknown mode: err = %v, want a fault", err)
	}
	f.ws.Settings.Registration.Mode = workspace.ModeInitialAccessToken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.svc.authorize(ctx, f.ws, Request{Bearer: "x"}); err == nil || errors.As(err, &oe) {
		t.Errorf("store unreachable: err = %v, want a fault", err)
	}
}

func TestGrantLabel(t *testing.T) {
	cases := []struct {
		name   string
		g      grant
		bearer string
		want   string
	}{
		{"open", grant{open: true}, "", "open"},
		{"credential with id", grant{use: store.CredentialUse{Kind: store.CredentialInitialAccessToken, ID: "i"}}, "x", "initial_access_token:i"},
		{"credential without id", ratGrant, "x", credentialRegistrationToken},
		{"nothing sent", grant{}, "", "none"},
		{"checked, matched nothing", unmatchedGrant, "x", labelUnmatchedBearer},
		{"refused before it was checked", grant{}, "x", labelUncheckedBearer},
	}
	for _, tc := range cases {
		if got := tc.g.label(tc.bearer); got != tc.want {
			t.Errorf("%s: label = %q, want %q", tc.name, got, tc.want)
		}
	}
}
