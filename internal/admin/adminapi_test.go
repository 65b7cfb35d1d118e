package admin

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestAdminTokens: a created token is checked, then refused once
// expired or revoked; the environment's token is accepted in its name;
// no listing shows a value.
func TestAdminTokens(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	ctx, s := f.ctx, f.svc
	s.EnvAdminToken = "from-the-environment"
	tok, err := s.CreateAdminToken(ctx, NewAdminToken{Name: "ops", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := s.CheckAdminToken(ctx, tok.Token); err != nil || a.Name != "ops" || a.TokenID != tok.ID {
		t.Fatalf("check: %+v, %v", a, err)
	}
	if a, err := s.CheckAdminToken(ctx, "from-the-environment"); err != nil || a.Name != EnvAdminName {
		t.Fatalf("environment token: %+v, %v", a, err)
	}
	for _, wrong := range []string{"", "from-the-environmen", tok.Token + "x"} {
		if _, err := s.CheckAdminToken(ctx, wrong); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%q: %v", wrong, err)
		}
	}
	list, err := s.AdminTokens(ctx)
	if err != nil || len(list) != 1 || list[0].Token != "" || list[0].LastUsedAt.IsZero() {
		t.Fatalf("list: %+v, %v", list, err)
	}
	f.now = f.now.Add(time.Hour)
	if _, err := s.CheckAdminToken(ctx, tok.Token); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("expired token: %v", err)
	}
	forever, _ := s.CreateAdminToken(ctx, NewAdminToken{Name: "ci"})
	if err := s.RevokeAdminToken(ctx, forever.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckAdminToken(ctx, forever.Token); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("revoked token: %v", err)
	}
	wantKind(t, "revoke unknown", s.RevokeAdminToken(ctx, "nope"), ErrNotFound)
	for _, bad := range []NewAdminToken{{Name: ""}, {Name: "env"}, {Name: "a\nb"}, {Name: strings.Repeat("n", 65)}, {Name: "x", ExpiresIn: -time.Second}} {
		_, err := s.CreateAdminToken(ctx, bad)
		wantKind(t, "create "+bad.Name, err, ErrInvalid)
	}
}

// TestClientActionsAudited: disable, enable, rotate and delete under an
// admin are audited in its name, each in its workspace, and the CLI's
// own actions (no admin in the context) are not.
func TestClientActionsAudited(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	s := f.svc
	created, err := s.CreateClient(f.ctx, NewClient{Workspace: "default", Metadata: clientCredentials("")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Client.ID
	if err := s.DisableClient(f.ctx, "default", id); err != nil {
		t.Fatal(err)
	}
	ctx := WithAdmin(f.ctx, Admin{TokenID: "t1", Name: "ops", RemoteAddr: "192.0.2.1"})
	f.now = f.now.Add(time.Second)
	if err := s.EnableClient(ctx, "default", id); err != nil {
		t.Fatal(err)
	}
	if cl, _ := s.Client(ctx, "default", id); cl.Disabled() {
		t.Fatal("still disabled")
	}
	f.now = f.now.Add(time.Second)
	if err := s.DisableClient(ctx, "default", id); err != nil {
		t.Fatal(err)
	}
	if cl, _ := s.Client(ctx, "default", id); !cl.Disabled() {
		t.Fatal("not disabled")
	}
	f.now = f.now.Add(time.Second)
	rot, err := s.RotateClientSecret(ctx, "default", id)
	if err != nil || rot.ClientSecret == "" || rot.ClientSecret == created.Secret {
		t.Fatalf("rotate: %+v, %v", rot, err)
	}
	if cl, _ := s.Client(ctx, "default", id); !s.Hasher.Verify("client_secret", rot.ClientSecret, cl.SecretHash) {
		t.Fatal("the new secret does not verify")
	}
	f.now = f.now.Add(time.Second)
	if err := s.DeleteClient(ctx, "default", id); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "disable a deleted client", s.DisableClient(ctx, "default", id), ErrNotFound)
	page, err := s.ListAuditEvents(f.ctx, "default", AuditQuery{ClientID: id})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Items {
		if e.Credential != "admin:ops#t1" || e.RemoteAddr != "192.0.2.1" {
			t.Errorf("event %+v not in the admin's name", e)
		}
		actions = append(actions, e.Action)
	}
	want := []string{ActionClientDelete, ActionClientRotateSecret, ActionClientDisable, ActionClientEnable}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Fatalf("audited %v, want %v", actions, want)
	}
}

// TestListClientsRefusesGarbage: a cursor, limit, filter or search the
// service could not have made is a bad request, not an empty page.
func TestListClientsRefusesGarbage(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	for _, q := range []ClientQuery{
		{Cursor: "!!"}, {Cursor: "bm9kb3Q"}, {Cursor: encodeCursor(f.now, "")}, {Limit: -1}, {Limit: MaxPageSize + 1},
		{RegisteredVia: "cli"}, {Q: "a\x00b"}, {Q: strings.Repeat("q", maxQuery+1)},
	} {
		_, err := f.svc.ListClients(f.ctx, "default", q)
		wantKind(t, "query", err, ErrInvalid)
	}
	_, err := f.svc.ListAuditEvents(f.ctx, "default", AuditQuery{Cursor: "%%"})
	wantKind(t, "audit cursor", err, ErrInvalid)
}

// TestListClientsPages: pages of two cover the clients once each,
// newest first, and the last page has no cursor.
func TestListClientsPages(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	var want []string
	for range 5 {
		c, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: "default", Metadata: clientCredentials(""), Origin: client.OriginAdmin})
		if err != nil {
			t.Fatal(err)
		}
		want = append([]string{c.Client.ID}, want...)
		f.now = f.now.Add(time.Second)
	}
	var got []string
	q := ClientQuery{Limit: 2, RegisteredVia: RegisteredViaOperator}
	for pages := 0; ; pages++ {
		page, err := f.svc.ListClients(f.ctx, "default", q)
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged %v, want %v", got, want)
	}
}

// TestWorkspacePatch: a patch is held to the settings' rules and
// refused, naming the key, on a workspace the YAML declares.
func TestWorkspacePatch(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	s := f.svc
	ws, err := s.UpdateWorkspaceSettings(f.ctx, "default", []byte(`{"cors_origins":["https://console.example"]}`))
	if err != nil || len(ws.Settings.CORSOrigins) != 1 {
		t.Fatalf("patch: %+v, %v", ws, err)
	}
	for _, bad := range []string{`[]`, `{"nope":1}`, `{"access_token_ttl":0}`, `{"scopes":"openid"}`} {
		_, err := s.UpdateWorkspaceSettings(f.ctx, "default", []byte(bad))
		wantKind(t, bad, err, ErrInvalid)
	}
	s.YAMLOwns = func(string) bool { return true }
	_, err = s.UpdateWorkspaceSettings(f.ctx, "default", []byte(`{"registration":{"mode":"open"},"access_token_ttl":60}`))
	wantKind(t, "yaml-owned", err, ErrConflict)
	if err == nil || err.Error() != "workspace default is declared in the YAML configuration, which sets its settings at every start: set access_token_ttl there" {
		t.Fatalf("conflict names %v", err)
	}
	if got, _ := s.WorkspaceView(f.ctx, "default"); len(got.Settings.CORSOrigins) != 1 || !got.YAMLOwned {
		t.Fatalf("after refusals: %+v", got)
	}
}

func TestPageSizeReadsOnlyOneToMax(t *testing.T) {
	for raw, want := range map[string]int{"": 7, "1": 1, "500": 500} {
		if got, err := PageSize(raw, 7); err != nil || got != want {
			t.Errorf("PageSize(%q) = %d, %v; want %d", raw, got, err, want)
		}
	}
	for _, bad := range []string{"0", "-1", "501", "x", "1.5", " 3"} {
		_, err := PageSize(bad, 7)
		wantKind(t, "PageSize("+bad+")", err, ErrInvalid)
	}
}

// failingAudit is a real store whose audit writes fail.
type failingAudit struct{ Store }

func (failingAudit) AddAuditEvent(context.Context, store.AuditEvent) error {
	return errors.New("disk full")
}

// TestEveryChangeAudited: creating a client is audited with the client,
// token and user changes name their target, the credential tells the
// token by id, and an audit write failing after a committed change
// still hands back the one-time value.
func TestEveryChangeAudited(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	s := f.svc
	ctx := WithAdmin(f.ctx, Admin{TokenID: "t1", Name: "ops", RemoteAddr: "192.0.2.1"})
	created, err := s.CreateClient(ctx, NewClient{Workspace: "default", Metadata: clientCredentials("")})
	if err != nil {
		t.Fatal(err)
	}
	iat, err := s.CreateInitialAccessToken(ctx, NewInitialAccessToken{Workspace: "default", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeInitialAccessToken(ctx, "default", iat.ID); err != nil {
		t.Fatal(err)
	}
	u, err := s.AddUser(ctx, NewUser{Workspace: "default", Username: "alice", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(ctx, PasswordChange{Workspace: "default", Username: "alice", Password: "another long passphrase"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "default", "alice"); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListAuditEvents(f.ctx, "default", AuditQuery{Limit: MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]AuditEvent{}
	for _, e := range page.Items {
		got[e.Action] = e
		if e.Credential != "admin:ops#t1" {
			t.Errorf("%s: credential %q", e.Action, e.Credential)
		}
	}
	userTarget := "user:" + u.ID + " (alice)"
	for action, want := range map[string]string{
		ActionIATCreate: "initial_access_token:" + iat.ID, ActionIATRevoke: "initial_access_token:" + iat.ID,
		ActionUserAdd: userTarget, ActionUserResetPassword: userTarget, ActionUserDelete: userTarget,
	} {
		if got[action].Reason != want {
			t.Errorf("%s: target %q, want %q (%+v)", action, got[action].Reason, want, got[action])
		}
	}
	if got[ActionClientCreate].ClientID != created.Client.ID {
		t.Errorf("client creation not audited: %+v", got)
	}

	s.Store = failingAudit{s.Store}
	kept, err := s.CreateInitialAccessToken(ctx, NewInitialAccessToken{Workspace: "default", TTL: time.Hour})
	if err != nil || kept.Token == "" {
		t.Fatalf("a failed audit write lost the token: %+v, %v", kept, err)
	}
}

// TestAdminTokenNamesUnique: an active token's name is not given twice;
// once revoked, it is free again.
func TestAdminTokenNamesUnique(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	first, err := f.svc.CreateAdminToken(f.ctx, NewAdminToken{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.CreateAdminToken(f.ctx, NewAdminToken{Name: "ci"})
	wantKind(t, "same name", err, ErrConflict)
	if err := f.svc.RevokeAdminToken(f.ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateAdminToken(f.ctx, NewAdminToken{Name: "ci"}); err != nil {
		t.Fatalf("a revoked token's name: %v", err)
	}
	if got := (Admin{TokenID: EnvAdminName, Name: EnvAdminName}).Credential(); got != "admin:env" {
		t.Errorf("environment credential %q", got)
	}
}

// TestLastPageHasNoCursor: a page as full as the limit with nothing
// after it is the last; one with more after it gives a cursor; an
// unknown audit type is refused naming the known ones.
func TestLastPageHasNoCursor(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	for range 2 {
		f.now = f.now.Add(time.Second)
		if _, err := f.svc.CreateClient(f.ctx, NewClient{Workspace: "default", Metadata: clientCredentials("")}); err != nil {
			t.Fatal(err)
		}
	}
	if page, err := f.svc.ListClients(f.ctx, "default", ClientQuery{Limit: 2}); err != nil || len(page.Items) != 2 || page.NextCursor != "" {
		t.Fatalf("a full last page: %d items, cursor %q, %v", len(page.Items), page.NextCursor, err)
	}
	first, err := f.svc.ListClients(f.ctx, "default", ClientQuery{Limit: 1})
	if err != nil || len(first.Items) != 1 || first.NextCursor == "" {
		t.Fatalf("a first page: %d items, cursor %q, %v", len(first.Items), first.NextCursor, err)
	}
	second, err := f.svc.ListClients(f.ctx, "default", ClientQuery{Limit: 1, Cursor: first.NextCursor})
	if err != nil || len(second.Items) != 1 || second.NextCursor != "" || second.Items[0].ID == first.Items[0].ID {
		t.Fatalf("the second and last page: %+v, %v", second, err)
	}
	_, err = f.svc.ListAuditEvents(f.ctx, "default", AuditQuery{Type: "bogus"})
	wantKind(t, "audit type", err, ErrInvalid)
	if err == nil || !strings.Contains(err.Error(), ActionClientDisable) {
		t.Errorf("the refusal names no known type: %v", err)
	}
}

// keyMaker makes keys, or fails with err.
type keyMaker struct{ err error }

func (k keyMaker) EnsureKeys(context.Context, string) error { return k.err }

// TestCreateWorkspaceRetriesAfterKeyFailure: a workspace whose keys could
// not be made is not stored, so a retry makes it rather than finding the
// name taken.
func TestCreateWorkspaceRetriesAfterKeyFailure(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	f.svc.KeyMaker = keyMaker{errors.New("sealer unavailable")}
	if _, err := f.svc.CreateWorkspace(f.ctx, "tenant", nil); err == nil {
		t.Fatal("created without keys")
	}
	f.svc.KeyMaker = keyMaker{}
	if _, err := f.svc.CreateWorkspace(f.ctx, "tenant", nil); err != nil {
		t.Fatalf("retry: %v", err)
	}
	_, err := f.svc.CreateWorkspace(f.ctx, "tenant", nil)
	wantKind(t, "a taken name", err, ErrConflict)
}

// TestPatchTakesYAMLLifetimes: a settings patch takes lifetimes as the
// YAML does, and reports every problem at once in the caller's words,
// without a second problem that only repeats the first.
func TestPatchTakesYAMLLifetimes(t *testing.T) {
	f := newFixture(t, workspace.DefaultSettings())
	ws, err := f.svc.UpdateWorkspaceSettings(f.ctx, "default", []byte(`{"access_token_ttl":"10m","refresh_token_ttl":"2w"}`))
	if err != nil || ws.Settings.AccessTokenTTL != 600 || ws.Settings.RefreshTokenTTL != 14*24*3600 {
		t.Fatalf("lifetimes with units: %+v, %v", ws.Settings, err)
	}
	for patch, want := range map[string]string{
		`{"access_token_ttl":-5}`:                  "access_token_ttl: must be a positive number of seconds",
		`{"access_token_ttl":"soon","bogus":true}`: `access_token_ttl: "soon" is not a whole number; bogus: unknown setting`,
	} {
		_, err := f.svc.UpdateWorkspaceSettings(f.ctx, "default", []byte(patch))
		wantKind(t, patch, err, ErrInvalid)
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v; want %q", patch, err, want)
		}
	}
}
