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

// TestRegistrationTokenAuthenticator: the client's current, unexpired
// token passes; anything else is refused, and the grant names what was
// presented for the audit.
func TestRegistrationTokenAuthenticator(t *testing.T) {
	f := newFixture(t)
	resp := f.register(t)
	cl, err := f.store.ClientByID(context.Background(), f.ws.Name, resp["client_id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	rat := resp["registration_access_token"].(string)
	auth := f.svc.authenticatorFor(f.ws)
	cases := []struct {
		name, bearer string
		at           time.Time
		description  string // "" when accepted
		challenge    string
		label        string
	}{
		{"right token", rat, t0, "", "", credentialRegistrationToken},
		{"right token, a second before it expires", rat, cl.RegistrationTokenExpiresAt.Add(-time.Second), "", "", credentialRegistrationToken},
		{"right token, expired", rat, cl.RegistrationTokenExpiresAt, "the registration access token has expired", `error="invalid_token"`, credentialRegistrationToken},
		{"wrong token", rat + "x", t0, "the registration access token is invalid for this client", `error="invalid_token"`, labelUnmatchedBearer},
		{"no token", "", t0, "a registration access token is required (Authorization: Bearer)", `Bearer realm="registrar"`, "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.now = tc.at
			g, err := auth.Authenticate(context.Background(), f.ws, cl, Request{Bearer: tc.bearer})
			if got := g.label(tc.bearer); got != tc.label {
				t.Errorf("label = %q, want %q", got, tc.label)
			}
			if tc.description == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			oe := wantCode(t, err, oautherr.InvalidToken)
			if oe.Description != tc.description || !strings.Contains(oe.Challenge, tc.challenge) {
				t.Errorf("got %q with %q", oe.Description, oe.Challenge)
			}
		})
	}
}

// TestRotatedTokenStopsWorking: an update answers a new registration
// access token; the one it replaced may only rotate again (a read that
// does not rotate refuses it), and once the new one is used it is refused
// outright.
func TestRotatedTokenStopsWorking(t *testing.T) {
	f := newFixture(t)
	resp := f.register(t)
	id, old := resp["client_id"].(string), resp["registration_access_token"].(string)
	f.now = t0.Add(time.Minute)
	updated, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: old, Body: []byte(`{"client_id":"` + id + `","redirect_uris":["https://app.example/cb2"],"client_name":"Renamed"}`)})
	if err != nil {
		t.Fatal(err)
	}
	rotated := updated["registration_access_token"].(string)
	if rotated == old || updated["client_name"] != "Renamed" {
		t.Fatalf("update answered %v", updated)
	}
	f.tick()
	if _, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: old}); err == nil {
		t.Error("the rotated-out token still reads the client")
	}
	f.tick()
	if _, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: rotated}); err != nil {
		t.Errorf("the new token is refused: %v", err)
	}
	f.tick()
	if _, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: old, Body: []byte(`{"client_id":"` + id + `"}`)}); err == nil {
		t.Error("the rotated-out token still rotates after the new one was used")
	}
	cl, _ := f.store.ClientByID(context.Background(), f.ws.Name, id)
	if !cl.UpdatedAt.Equal(t0.Add(time.Minute)) || !cl.RegistrationTokenExpiresAt.Equal(t0.Add(time.Minute+30*24*time.Hour)) {
		t.Errorf("updated at %v, token expires %v", cl.UpdatedAt, cl.RegistrationTokenExpiresAt)
	}
	var credentials []string
	for _, ev := range f.events(t) {
		credentials = append(credentials, ev.Action+" "+ev.Outcome+" "+ev.Credential)
	}
	if got := strings.Join(credentials[1:], ", "); !strings.HasPrefix(credentials[0], "register accepted initial_access_token:") || got != "update accepted registration_access_token, read denied registration_access_token:previous, read accepted registration_access_token, update denied unmatched_bearer" {
		t.Errorf("audit: %v", credentials)
	}
}

func TestReadRotatesWhenTheWorkspaceSaysSo(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Registration.RotateRegistrationToken = workspace.RotateOnReadAndUpdate
	resp := f.register(t)
	id, old := resp["client_id"].(string), resp["registration_access_token"].(string)
	read, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: old})
	if err != nil {
		t.Fatal(err)
	}
	if read["registration_access_token"] == old || read["registration_access_token"] == nil {
		t.Fatalf("read answered token %v", read["registration_access_token"])
	}
	if _, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: read["registration_access_token"].(string)}); err != nil {
		t.Errorf("the token a read answered: %v", err)
	}
	if _, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: old}); err == nil {
		t.Error("the token a read rotated out still works once its successor was used")
	}
}

// TestUnknownClientIsAWrongToken: a prober cannot tell a client id that
// does not exist from a wrong token, on any call.
func TestUnknownClientIsAWrongToken(t *testing.T) {
	f := newFixture(t)
	resp := f.register(t)
	id := resp["client_id"].(string)
	calls := map[string]func(clientID string, req Request) error{
		"read":   func(c string, r Request) error { _, err := f.svc.Read(context.Background(), f.ws, c, r); return err },
		"update": func(c string, r Request) error { _, err := f.svc.Update(context.Background(), f.ws, c, r); return err },
		"delete": func(c string, r Request) error { return f.svc.Delete(context.Background(), f.ws, c, r) },
	}
	for action, call := range calls {
		for _, bearer := range []string{"", "wrong"} {
			f.tick()
			unknown := call("no-such-client", Request{Bearer: bearer, Body: []byte(`{}`)})
			wrong := call(id, Request{Bearer: bearer, Body: []byte(`{}`)})
			if unknown == nil || wrong == nil || unknown.Error() != wrong.Error() {
				t.Errorf("%s with %q: unknown client %v, wrong token %v", action, bearer, unknown, wrong)
			}
			var ue, we *oautherr.Error
			if errors.As(unknown, &ue) && errors.As(wrong, &we) && ue.Challenge != we.Challenge {
				t.Errorf("%s with %q: challenges %q and %q", action, bearer, ue.Challenge, we.Challenge)
			}
			if ev := f.lastEvent(t); ev.Action != action || ev.Outcome != "denied" {
				t.Errorf("%s: last event %+v", action, ev)
			}
		}
	}
	if n := f.clients(t); n != 1 {
		t.Errorf("%d clients, want the one registered", n)
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	resp := f.register(t)
	id, rat := resp["client_id"].(string), resp["registration_access_token"].(string)
	if err := f.svc.Delete(context.Background(), f.ws, id, Request{Bearer: rat + "x"}); err == nil {
		t.Fatal("deleted with a wrong token")
	}
	f.tick()
	if err := f.svc.Delete(context.Background(), f.ws, id, Request{Bearer: rat}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ClientByID(context.Background(), f.ws.Name, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("client still there: %v", err)
	}
	if ev := f.lastEvent(t); ev.Action != "delete" || ev.Outcome != "accepted" || ev.Credential != credentialRegistrationToken || ev.ClientID != id {
		t.Errorf("event %+v", ev)
	}
	if f.decisions(t, "delete", "accepted") != 1 || f.decisions(t, "delete", "denied") != 1 {
		t.Error("delete decisions miscounted")
	}
}

// TestUpdateRules: RFC 7592 §2.2 and the rules kept on top of it. A
// refused update changes nothing, not even the token.
func TestUpdateRules(t *testing.T) {
	f := newFixture(t)
	resp := f.register(t)
	id, rat := resp["client_id"].(string), resp["registration_access_token"].(string)
	secretValue := resp["client_secret"].(string)
	cases := []struct{ name, body, code, says string }{
		{"no client_id", `{"redirect_uris":["https://app.example/cb"]}`, oautherr.InvalidClientMetadata, "client_id: must be present"},
		{"another client_id", `{"client_id":"other","redirect_uris":["https://app.example/cb"]}`, oautherr.InvalidClientMetadata, "client_id: must be present"},
		{"a server-managed member", `{"client_id":"` + id + `","registration_client_uri":"x"}`, oautherr.InvalidClientMetadata, "registration_client_uri: is managed by the server"},
		{"a secret of the client's choosing", `{"client_id":"` + id + `","client_secret":"mine"}`, oautherr.InvalidClientMetadata, "client_secret: does not match"},
		{"a move to a public client", `{"client_id":"` + id + `","redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"}`, oautherr.InvalidClientMetadata, "would leave this client's secret unused"},
		{"metadata outside the allow-lists", `{"client_id":"` + id + `","redirect_uris":["https://app.example/cb"],"scope":"dcr"}`, oautherr.InvalidClientMetadata, "scope"},
		{"not JSON", `{`, oautherr.InvalidClientMetadata, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.tick()
			_, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: rat, Body: []byte(tc.body)})
			if oe := wantCode(t, err, tc.code); !strings.Contains(oe.Description, tc.says) {
				t.Errorf("description %q lacks %q", oe.Description, tc.says)
			}
			if ev := f.lastEvent(t); ev.Outcome != "denied" || ev.Credential != credentialRegistrationToken {
				t.Errorf("event %+v", ev)
			}
		})
	}
	// The current secret may be sent back, and an omitted method is kept.
	updated, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: rat, Body: []byte(`{"client_id":"` + id + `","client_secret":"` + secretValue + `","redirect_uris":["https://app.example/cb"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if updated["token_endpoint_auth_method"] != client.AuthClientSecretBasic {
		t.Errorf("auth method %v", updated["token_endpoint_auth_method"])
	}
}

func TestKeepAuthMethodAndCheckSecretUnchanged(t *testing.T) {
	public := client.Client{Metadata: client.Metadata{TokenEndpointAuthMethod: client.AuthNone}}
	md := client.Metadata{}
	keepAuthMethod(&md, public)
	if md.TokenEndpointAuthMethod != client.AuthNone {
		t.Errorf("omitted method became %q, want the registered none", md.TokenEndpointAuthMethod)
	}
	md = client.Metadata{TokenEndpointAuthMethod: client.AuthClientSecretPost}
	keepAuthMethod(&md, public)
	if md.TokenEndpointAuthMethod != client.AuthClientSecretPost {
		t.Errorf("an explicit method was overridden: %q", md.TokenEndpointAuthMethod)
	}
	if err := checkSecretUnchanged(md, public); err == nil || !strings.Contains(err.Error(), "needs a client secret") {
		t.Errorf("none → client_secret_post: %v", err)
	}
	confidential := client.Client{Metadata: client.Metadata{TokenEndpointAuthMethod: client.AuthClientSecretBasic}}
	if err := checkSecretUnchanged(md, confidential); err != nil {
		t.Errorf("between secret methods: %v", err)
	}
}

func TestReissueRegistrationToken(t *testing.T) {
	f := newFixture(t)
	resp := f.register(t)
	id, old := resp["client_id"].(string), resp["registration_access_token"].(string)
	f.tick()
	before := len(f.events(t))
	reissued, err := f.svc.ReissueRegistrationToken(context.Background(), f.ws, id, store.AuditEvent{})
	f.tick()
	if err != nil {
		t.Fatal(err)
	}
	if evs := f.events(t); len(evs) != before+1 || evs[before].Action != "reissue" || evs[before].Credential != "operator" {
		t.Errorf("the operator's reissue wrote %+v; want one reissue by operator", evs[before:])
	}
	if _, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: old}); err == nil {
		t.Error("the token replaced by the operator still works")
	}
	f.tick()
	if _, err := f.svc.Read(context.Background(), f.ws, id, Request{Bearer: reissued["registration_access_token"].(string)}); err != nil {
		t.Errorf("the reissued token is refused: %v", err)
	}
	cli := client.Client{Workspace: f.ws.Name, ID: "by-cli", IssuedAt: t0, UpdatedAt: t0, Version: 1, Provenance: client.Provenance{Origin: client.OriginCLI}}
	if err := f.store.CreateClient(context.Background(), cli); err != nil {
		t.Fatal(err)
	}
	before = len(f.events(t))
	if _, err := f.svc.ReissueRegistrationToken(context.Background(), f.ws, "by-cli", store.AuditEvent{}); !errors.Is(err, ErrNotSelfRegistered) {
		t.Errorf("operator-made client: err = %v", err)
	}
	if evs := f.events(t); len(evs) != before {
		t.Errorf("a refused reissue wrote %+v", evs[before:])
	}
}

// TestReissueRegistrationTokenInAnAdminsName: an admin front end's
// reissue is audited by its own event alone, committed with the token;
// registration adds no "reissue" by "operator" beside it.
func TestReissueRegistrationTokenInAnAdminsName(t *testing.T) {
	f := newFixture(t)
	id := f.register(t)["client_id"].(string)
	f.tick()
	before := len(f.events(t))
	by := store.AuditEvent{Workspace: f.ws.Name, ID: "admin-event", At: f.now, Action: "admin.client.reissue_registration_token",
		Outcome: "accepted", ClientID: id, Credential: "admin:ops#t1"}
	if _, err := f.svc.ReissueRegistrationToken(context.Background(), f.ws, id, by); err != nil {
		t.Fatal(err)
	}
	if evs := f.events(t)[before:]; len(evs) != 1 || evs[0] != by {
		t.Fatalf("an admin's reissue wrote %+v; want only %+v", evs, by)
	}
}

// TestUpdateKeepsAnOmittedAuthMethod: a public client that PUTs only what
// it changes stays public (the default would need a secret it never got).
func TestUpdateKeepsAnOmittedAuthMethod(t *testing.T) {
	f := newFixture(t)
	f.ws.Settings.Registration.Mode = workspace.ModeOpen
	resp, err := f.svc.Register(context.Background(), f.ws, Request{Body: []byte(`{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"none"}`)})
	if err != nil {
		t.Fatal(err)
	}
	id := resp["client_id"].(string)
	updated, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: resp["registration_access_token"].(string), Body: []byte(`{"client_id":"` + id + `","redirect_uris":["https://app.example/cb"],"client_name":"Renamed"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if updated["token_endpoint_auth_method"] != client.AuthNone {
		t.Errorf("auth method %v, want none kept", updated["token_endpoint_auth_method"])
	}
}
