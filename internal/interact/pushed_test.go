package interact

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/oauth"
	"github.com/registrar-dev/registrar/internal/oautherr"
)

// A pushed request (RFC 9126) is spent when the authorization endpoint
// accepts it; its parameters then travel on through the sign-in and consent
// forms sealed, where a workspace that requires pushed requests still
// takes them, and the request_uri does not work a second time.
func TestPushedRequestSurvivesSignIn(t *testing.T) {
	ctx := context.Background()
	f := newRaceFixture(t)
	f.ws.Settings.RequirePushedAuthorizationRequests = true
	now := time.Now().UTC()
	if err := f.store.Store.CreateClient(ctx, client.Client{Workspace: f.ws.Name, ID: "pub", IssuedAt: now, UpdatedAt: now, Version: 1,
		Metadata: client.Metadata{RedirectURIs: []string{f.req.RedirectURI}, TokenEndpointAuthMethod: client.AuthNone,
			GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, Scope: "openid"}}); err != nil {
		t.Fatal(err)
	}
	protocol := f.s.Protocol.(*oauth.Service)
	sealer, err := masterkey.NewSealer(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	protocol.PushedRequests = sealer
	pushed := f.params("openid", "state", "pushed")
	delete(pushed, "client_id")
	par, err := protocol.PushAuthorization(ctx, f.ws, oauth.ClientEvidence{ClientID: "pub"}, pushed)
	if err != nil {
		t.Fatal(err)
	}
	query := oauth.Params{"client_id": {"pub"}, "request_uri": {par.RequestURI}}

	out, err := f.s.Authorize(ctx, f.ws, Browser{}, query)
	if err != nil || out.Kind != ShowLogin {
		t.Fatalf("Authorize with the request_uri: %+v %v; want the sign-in page", out, err)
	}
	if p := f.opened(t, out); !p.Pushed || p.State != "pushed" || p.ClientID != "pub" {
		t.Fatalf("the sign-in form carries %+v; want the pushed request", p.AuthorizeRequest)
	}
	b := Browser{CSRF: out.Form.CSRF}
	out, err = f.s.Login(ctx, f.ws, LoginRequest{Browser: b, Form: out.Form, Username: "alice", Password: "old password", RemoteHost: "192.0.2.1"})
	if err != nil || out.Kind != ShowConsent {
		t.Fatalf("Login: %+v %v; want the consent page", out, err)
	}

	_, err = f.s.Authorize(ctx, f.ws, b, query)
	var oe *oautherr.Error
	if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRequestURI {
		t.Fatalf("the request_uri a second time: %v; want invalid_request_uri on a page", err)
	}
}
