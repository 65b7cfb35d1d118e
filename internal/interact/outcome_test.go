package interact

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
)

// pkceChallenge is RFC 7636 Appendix B's.
const pkceChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

// params is a valid authorization request of client app for scope, with
// extra parameters (name, value, name, value…).
func (f *raceFixture) params(scope string, extra ...string) oauth.Params {
	p := oauth.Params{
		"client_id": {"app"}, "response_type": {"code"}, "redirect_uri": {f.req.RedirectURI}, "scope": {scope},
		"state": {"st"}, "code_challenge": {pkceChallenge}, "code_challenge_method": {"S256"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		p[extra[i]] = []string{extra[i+1]}
	}
	return p
}

// query is the query of a RedirectToClient outcome's Location, which must
// lead to the client's redirect URI.
func (f *raceFixture) query(t *testing.T, out Outcome) url.Values {
	t.Helper()
	u, err := url.Parse(out.Location)
	if err != nil || !strings.HasPrefix(out.Location, f.req.RedirectURI+"?") {
		t.Fatalf("Location %q does not lead to the client's redirect URI", out.Location)
	}
	return u.Query()
}

// opened unseals the form an outcome carries, as the next post would.
func (f *raceFixture) opened(t *testing.T, out Outcome) pending {
	t.Helper()
	p, err := f.s.unsealRequest(f.ws, Browser{CSRF: out.Form.CSRF}, out.Form)
	if err != nil {
		t.Fatalf("the form of %+v does not open: %v", out, err)
	}
	return p
}

func TestAuthorizeDecides(t *testing.T) {
	cases := []struct {
		name      string
		signedIn  bool
		scope     string
		extra     []string
		later     time.Duration // how long after signing in the request comes
		want      Kind
		wantUser  string // ShowLogin, ShowConsent
		wantParam string // RedirectToClient: "code" or the error code
	}{
		{name: "signed out: the sign-in page", scope: "openid", want: ShowLogin},
		{name: "signed out: the sign-in page filled in with login_hint", scope: "openid", extra: []string{"login_hint", "alice"},
			want: ShowLogin, wantUser: "alice"},
		{name: "prompt=login asks to sign in again", signedIn: true, scope: "openid", extra: []string{"prompt", "login"}, want: ShowLogin},
		{name: "login_hint naming someone else asks to sign in as them", signedIn: true, scope: "openid",
			extra: []string{"login_hint", "bob"}, want: ShowLogin, wantUser: "bob"},
		{name: "a sign-in older than max_age asks to sign in again", signedIn: true, scope: "openid",
			extra: []string{"max_age", "60"}, later: time.Hour, want: ShowLogin},
		{name: "approved: a code", signedIn: true, scope: "openid", want: RedirectToClient, wantParam: "code"},
		{name: "a scope beyond the consent: the consent page", signedIn: true, scope: "openid profile",
			want: ShowConsent, wantUser: "alice"},
		{name: "prompt=consent asks again", signedIn: true, scope: "openid", extra: []string{"prompt", "consent"},
			want: ShowConsent, wantUser: "alice"},
		{name: "prompt=none signed out: login_required to the client", scope: "openid", extra: []string{"prompt", "none"},
			want: RedirectToClient, wantParam: "login_required"},
		{name: "prompt=none beyond the consent: consent_required to the client", signedIn: true, scope: "openid profile",
			extra: []string{"prompt", "none"}, want: RedirectToClient, wantParam: "consent_required"},
		{name: "a refused parameter goes back to the client", scope: "openid", extra: []string{"prompt", "select_account"},
			want: RedirectToClient, wantParam: "account_selection_required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newRaceFixture(t)
			var b Browser
			if tc.signedIn {
				b.Session = f.signIn(t)
			}
			if tc.later > 0 {
				f.s.Now = func() time.Time { return time.Now().Add(tc.later) }
			}
			out, err := f.s.Authorize(context.Background(), f.ws, b, f.params(tc.scope, tc.extra...))
			if err != nil {
				t.Fatalf("Authorize: %v; want an outcome", err)
			}
			if out.Kind != tc.want {
				t.Fatalf("Authorize decided %+v; want kind %d", out, tc.want)
			}
			switch out.Kind {
			case ShowLogin, ShowConsent:
				if out.Username != tc.wantUser || out.Client.ID != "app" || out.ClientRedirect != f.req.RedirectURI {
					t.Errorf("page for %q of %q leading to %q; want %q of app leading to %q",
						out.Username, out.Client.ID, out.ClientRedirect, tc.wantUser, f.req.RedirectURI)
				}
				// The browser had no CSRF cookie: it gets one, which the form echoes.
				if out.NewCSRF == "" || out.Form.CSRF != out.NewCSRF {
					t.Errorf("CSRF cookie %q, form %q; want a new cookie the form echoes", out.NewCSRF, out.Form.CSRF)
				}
				p := f.opened(t, out)
				if p.Scope != tc.scope || p.HasPrompt("login") {
					t.Errorf("sealed request %+v; want scope %q and no prompt=login", p.AuthorizeRequest, tc.scope)
				}
				if out.Kind == ShowConsent && (out.Scope != tc.scope || p.ShownTo == "") {
					t.Errorf("consent for %q shown to session %q; want %q, bound to the session", out.Scope, p.ShownTo, tc.scope)
				}
			case RedirectToClient:
				q := f.query(t, out)
				got := q.Get("error")
				if tc.wantParam == "code" && q.Get("code") != "" {
					got = "code"
				}
				if got != tc.wantParam || q.Get("state") != "st" || q.Get("iss") != "http://127.0.0.1:1/default" {
					t.Errorf("redirect %q; want %s with state and iss", out.Location, tc.wantParam)
				}
			}
		})
	}
}

// An unknown client is not sent anywhere: its redirect URI is unverified.
func TestAuthorizeUnknownClientIsAPageError(t *testing.T) {
	f := newRaceFixture(t)
	p := f.params("openid")
	p["client_id"] = []string{"nobody"}
	out, err := f.s.Authorize(context.Background(), f.ws, Browser{}, p)
	var oe *oautherr.Error
	if !errors.As(err, &oe) || out.Kind != 0 {
		t.Fatalf("unknown client: %+v, %v; want an error for the page", out, err)
	}
}

// A client that registered itself gets its errors only once the signed-in
// user has approved it; until then they are shown on our page.
func TestAuthorizeHoldsAnUntrustedClientsErrors(t *testing.T) {
	f := newRaceFixture(t)
	ctx := context.Background()
	cl, err := f.s.Store.ClientByID(ctx, f.ws.Name, "app")
	if err != nil {
		t.Fatal(err)
	}
	cl.ID, cl.Provenance.Origin = "self", client.OriginDCR
	if err := f.store.Store.CreateClient(ctx, cl); err != nil {
		t.Fatal(err)
	}
	p := f.params("openid profile", "prompt", "none", "client_id", "self")

	out, err := f.s.Authorize(ctx, f.ws, Browser{}, p)
	var oe *oautherr.Error
	var re *oauth.RedirectError
	if !errors.As(err, &oe) || oe.Code != "login_required" || errors.As(err, &re) || out.Kind != 0 {
		t.Fatalf("signed out: %+v, %v; want login_required on our page", out, err)
	}
	session := f.signIn(t)
	if out, err = f.s.Authorize(ctx, f.ws, Browser{Session: session}, p); !errors.As(err, &oe) || oe.Code != "consent_required" {
		t.Fatalf("signed in, never approved: %+v, %v; want consent_required on our page", out, err)
	}
	if err := f.store.Store.SaveConsent(ctx, store.Consent{Workspace: f.ws.Name, UserID: "u1", ClientID: "self", Scope: "openid", GrantedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	out, err = f.s.Authorize(ctx, f.ws, Browser{Session: session}, p)
	if err != nil || out.Kind != RedirectToClient || f.query(t, out).Get("error") != "consent_required" {
		t.Fatalf("approved once: %+v, %v; want consent_required sent to the client", out, err)
	}
}

// loginForm is the sign-in form Authorize shows a signed-out browser.
func (f *raceFixture) loginForm(t *testing.T, scope string) (Browser, FormState) {
	t.Helper()
	out, err := f.s.Authorize(context.Background(), f.ws, Browser{}, f.params(scope))
	if err != nil || out.Kind != ShowLogin {
		t.Fatalf("Authorize: %+v, %v; want the sign-in page", out, err)
	}
	return Browser{CSRF: out.NewCSRF}, out.Form
}

func TestLoginDecides(t *testing.T) {
	ctx := context.Background()
	t.Run("a wrong password shows the page again, with the name", func(t *testing.T) {
		f := newRaceFixture(t)
		b, form := f.loginForm(t, "openid")
		out, err := f.s.Login(ctx, f.ws, LoginRequest{Browser: b, Form: form, Username: "alice", Password: "wrong", RemoteHost: "192.0.2.1"})
		if err != nil || out.Kind != ShowLogin || out.Problem != WrongCredentials || out.Username != "alice" || out.Session != nil {
			t.Fatalf("%+v, %v; want the sign-in page again, WrongCredentials, no session", out, err)
		}
		if out.Form.Request == form.Request || out.NewCSRF != "" {
			t.Errorf("the page again carries the used form or a new CSRF cookie: %+v", out)
		}
	})
	t.Run("the right password signs in and goes on", func(t *testing.T) {
		f := newRaceFixture(t)
		b, form := f.loginForm(t, "openid")
		out, err := f.s.Login(ctx, f.ws, LoginRequest{Browser: b, Form: form, Username: "alice", Password: "old password", RemoteHost: "192.0.2.1"})
		if err != nil || out.Kind != RedirectToClient || f.query(t, out).Get("code") == "" {
			t.Fatalf("%+v, %v; want a code", out, err)
		}
		if out.Session == nil || out.Session.Value == "" || out.Session.MaxAge != sessionTTL {
			t.Fatalf("session cookie %+v; want one for %v", out.Session, sessionTTL)
		}
		if _, ok, err := f.s.currentSession(ctx, f.ws, Browser{Session: out.Session.Value}); err != nil || !ok {
			t.Fatalf("the cookie's session: %v, %v; want it stored", ok, err)
		}
	})
	t.Run("a form acts once", func(t *testing.T) {
		f := newRaceFixture(t)
		b, form := f.loginForm(t, "openid")
		in := LoginRequest{Browser: b, Form: form, Username: "alice", Password: "wrong", RemoteHost: "192.0.2.1"}
		if _, err := f.s.Login(ctx, f.ws, in); err != nil {
			t.Fatal(err)
		}
		in.Password = "old password"
		if out, err := f.s.Login(ctx, f.ws, in); err == nil || !strings.Contains(err.Error(), "already sent") {
			t.Fatalf("the same form again: %+v, %v; want it refused", out, err)
		}
	})
	t.Run("a form from another browser is refused", func(t *testing.T) {
		f := newRaceFixture(t)
		_, form := f.loginForm(t, "openid")
		// Its token is not this browser's cookie; then, it echoes the
		// cookie but its sealed request was made for the other browser.
		for _, posted := range []FormState{form, {CSRF: raceCSRF, Request: form.Request}} {
			in := LoginRequest{Browser: Browser{CSRF: raceCSRF}, Form: posted, Username: "alice", Password: "old password"}
			if out, err := f.s.Login(ctx, f.ws, in); err == nil || out.Session != nil {
				t.Fatalf("another browser's form %+v: %+v, %v; want it refused", posted, out, err)
			}
		}
	})
}

// consentForm is the consent page Authorize shows alice, signed in, for a
// scope beyond what she approved.
func (f *raceFixture) consentForm(t *testing.T) (Browser, FormState) {
	t.Helper()
	b := Browser{Session: f.signIn(t), CSRF: raceCSRF}
	out, err := f.s.Authorize(context.Background(), f.ws, b, f.params("openid profile"))
	if err != nil || out.Kind != ShowConsent {
		t.Fatalf("Authorize: %+v, %v; want the consent page", out, err)
	}
	return b, out.Form
}

func TestConsentDecides(t *testing.T) {
	ctx := context.Background()
	t.Run("deny: access_denied to the client", func(t *testing.T) {
		f := newRaceFixture(t)
		b, form := f.consentForm(t)
		out, err := f.s.Consent(ctx, f.ws, ConsentRequest{Browser: b, Form: form})
		if err != nil || out.Kind != RedirectToClient || f.query(t, out).Get("error") != "access_denied" {
			t.Fatalf("%+v, %v; want access_denied sent to the client", out, err)
		}
	})
	t.Run("allow and remember: a code, and the consent kept", func(t *testing.T) {
		f := newRaceFixture(t)
		b, form := f.consentForm(t)
		out, err := f.s.Consent(ctx, f.ws, ConsentRequest{Browser: b, Form: form, Allow: true, Remember: true})
		if err != nil || out.Kind != RedirectToClient || f.query(t, out).Get("code") == "" {
			t.Fatalf("%+v, %v; want a code", out, err)
		}
		if ok, err := f.s.hasConsent(ctx, f.ws, "u1", "app", "openid profile"); err != nil || !ok {
			t.Fatalf("consent kept: %v, %v; want it", ok, err)
		}
	})
	t.Run("allow once: a code, the consent not kept", func(t *testing.T) {
		f := newRaceFixture(t)
		b, form := f.consentForm(t)
		out, err := f.s.Consent(ctx, f.ws, ConsentRequest{Browser: b, Form: form, Allow: true})
		if err != nil || out.Kind != RedirectToClient || f.query(t, out).Get("code") == "" {
			t.Fatalf("%+v, %v; want a code", out, err)
		}
		if ok, err := f.s.hasConsent(ctx, f.ws, "u1", "app", "openid profile"); err != nil || ok {
			t.Fatalf("consent kept: %v, %v; want it not kept", ok, err)
		}
	})
	t.Run("another session since the page: asked again", func(t *testing.T) {
		f := newRaceFixture(t)
		b, form := f.consentForm(t)
		b.Session = f.signIn(t)
		out, err := f.s.Consent(ctx, f.ws, ConsentRequest{Browser: b, Form: form, Allow: true})
		if err != nil || out.Kind != ShowConsent || f.opened(t, out).ShownTo == "" {
			t.Fatalf("%+v, %v; want the consent page for the new session", out, err)
		}
	})
	t.Run("signed out since the page: sign in", func(t *testing.T) {
		f := newRaceFixture(t)
		b, form := f.consentForm(t)
		b.Session = ""
		out, err := f.s.Consent(ctx, f.ws, ConsentRequest{Browser: b, Form: form, Allow: true})
		if err != nil || out.Kind != ShowLogin || out.Username != "" {
			t.Fatalf("%+v, %v; want the sign-in page", out, err)
		}
	})
}

func TestLogoutDecides(t *testing.T) {
	ctx := context.Background()
	f := newRaceFixture(t)
	b := Browser{Session: f.signIn(t)}
	params := LogoutParams{ClientID: "app", PostLogoutRedirectURI: "https://app.example/bye", State: "s1"}
	out, err := f.s.ShowLogout(ctx, f.ws, b, params)
	if err != nil || out.Kind != ConfirmLogout || out.Client.ID != "app" || out.ClientRedirect != params.PostLogoutRedirectURI || out.NewCSRF == "" {
		t.Fatalf("ShowLogout: %+v, %v; want the confirmation for app, with a CSRF cookie", out, err)
	}
	if _, ok, _ := f.s.currentSession(ctx, f.ws, b); !ok {
		t.Fatal("asking to confirm ended the session")
	}
	b.CSRF = out.NewCSRF
	done, err := f.s.Logout(ctx, f.ws, LogoutRequest{Browser: b, Form: out.Form})
	if err != nil || done.Kind != SignedOut || done.Location != "https://app.example/bye?state=s1" || done.Session == nil || done.Session.Value != "" {
		t.Fatalf("Logout: %+v, %v; want signed out, the cookie cleared, back to the client with state", done, err)
	}
	if _, ok, _ := f.s.currentSession(ctx, f.ws, b); ok {
		t.Fatal("the session outlived the sign-out")
	}

	params.PostLogoutRedirectURI = "https://evil.example/"
	if out, err := f.s.ShowLogout(ctx, f.ws, b, params); err == nil {
		t.Fatalf("an unregistered post_logout_redirect_uri: %+v; want it refused", out)
	}
	forged := out.Form
	forged.CSRF = "another browser's token, long enough to pass"
	if out, err := f.s.Logout(ctx, f.ws, LogoutRequest{Browser: Browser{CSRF: forged.CSRF}, Form: forged}); err == nil {
		t.Fatalf("a confirmation bound to another browser: %+v; want it refused", out)
	}
}

// A client stored before registration refused second spellings of a
// redirect URI gets no code sent to one, even signed in and approved: the
// browser would carry it elsewhere. The refusal is on our page.
func TestAuthorizeRefusesAStoredSecondSpelling(t *testing.T) {
	for _, uri := range []string{
		"https://app.example/a/%2e%2e/evil",
		`https://app.example/cb\..\x`,
		"https://app.example:443/cb",
		"https://app.example./cb",
		"https://[fe80::1%25eth0]/cb",
	} {
		t.Run(uri, func(t *testing.T) {
			f := newRaceFixture(t)
			ctx := context.Background()
			cl, err := f.s.Store.ClientByID(ctx, f.ws.Name, "app")
			if err != nil {
				t.Fatal(err)
			}
			cl.ID, cl.Metadata.RedirectURIs = "old", []string{uri}
			if err := f.store.Store.CreateClient(ctx, cl); err != nil {
				t.Fatal(err)
			}
			if err := f.store.Store.SaveConsent(ctx, store.Consent{Workspace: f.ws.Name, UserID: "u1", ClientID: "old", Scope: "openid", GrantedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			out, err := f.s.Authorize(ctx, f.ws, Browser{Session: f.signIn(t)}, f.params("openid", "client_id", "old", "redirect_uri", uri))
			var oe *oautherr.Error
			var re *oauth.RedirectError
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRequest || errors.As(err, &re) || out.Kind != 0 || out.Location != "" {
				t.Fatalf("%+v, %v; want invalid_request on our page", out, err)
			}
		})
	}
}
