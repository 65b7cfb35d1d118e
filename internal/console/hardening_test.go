package console

import (
	"context"
	"crypto/rand"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestSettingsPatchStartsEmpty: Apply on the page as it loads must not
// change anything (it once opened registration to anyone), and an empty
// patch is refused, not reported as a change.
func TestSettingsPatchStartsEmpty(t *testing.T) {
	s := newSite(t)
	c, token := s.signIn()
	a := s.do(c, "GET", "/admin/ws/default/settings", nil)
	m := regexp.MustCompile(`(?s)<textarea[^>]*name="patch"[^>]*>(.*?)</textarea>`).FindStringSubmatch(a.body)
	if m == nil {
		t.Fatalf("no patch textarea: %s", a.body)
	}
	if strings.TrimSpace(m[1]) != "" {
		t.Errorf("the patch textarea is pre-filled with %q: Apply would send it", m[1])
	}
	if !strings.Contains(html.UnescapeString(a.body), `"mode": "`+workspace.DefaultSettings().Registration.Mode+`"`) {
		t.Error("the page does not show the current settings as JSON beside the patch")
	}
	before, _ := s.svc.Workspace(context.Background(), "default")
	for _, patch := range []string{"", "  \n", "{}", " { } "} {
		a := s.do(c, "POST", "/admin/ws/default/settings", url.Values{"patch": {patch}, "csrf_token": {token}})
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, "The patch is empty") {
			t.Errorf("patch %q: %d; want 400 saying it is empty", patch, a.status)
		}
	}
	after, _ := s.svc.Workspace(context.Background(), "default")
	if !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Error("an empty patch changed the workspace")
	}
}

var formAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)

// TestHostileUsernameStaysInItsForm: a username is whatever someone
// typed; one that reads as a path must not move a user form's target to
// another action (which would skip that action's confirmation).
func TestHostileUsernameStaysInItsForm(t *testing.T) {
	s := newSite(t)
	c, token := s.signIn()
	ctx := context.Background()
	made := s.createClient("Target")
	hostile := []string{"../applications/" + made.Client.ID + "/delete?", "a/b?c#d", "..", "%2e%2e"}
	ids := map[string]string{}
	for _, name := range hostile {
		u, err := s.svc.AddUser(ctx, admin.NewUser{Workspace: "default", Username: name, Password: "long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		ids[u.ID] = name
	}
	a := s.do(c, "GET", "/admin/ws/default/users", nil)
	wellFormed := regexp.MustCompile(`^/admin/ws/default/users/([A-Za-z0-9_-]+)/(delete|password|unlock)$`)
	seen := 0
	for _, m := range formAction.FindAllStringSubmatch(a.body, -1) {
		action := html.UnescapeString(m[1])
		if action == "/admin/ws/default/users" || action == "/admin/signout" {
			continue
		}
		parts := wellFormed.FindStringSubmatch(action)
		if parts == nil || ids[parts[1]] == "" {
			t.Errorf("a user form posts to %q, not to a user's id", action)
			continue
		}
		seen++
	}
	if seen != 3*len(hostile) {
		t.Fatalf("%d user forms; want %d", seen, 3*len(hostile))
	}
	// Deleting the first hostile user deletes that user, not the client.
	for id, name := range ids {
		if name != hostile[0] {
			continue
		}
		if a := s.do(c, "POST", "/admin/ws/default/users/"+id+"/delete", url.Values{"csrf_token": {token}}); a.status != http.StatusSeeOther {
			t.Fatalf("delete: %d %s", a.status, a.body)
		}
	}
	if _, err := s.svc.Client(ctx, "default", made.Client.ID); err != nil {
		t.Errorf("the client is gone after deleting a user: %v", err)
	}
	if _, err := s.svc.User(ctx, "default", hostile[0]); err == nil {
		t.Error("the user is still there")
	}
	if a := s.do(c, "POST", "/admin/ws/default/users/nobody/password", url.Values{"csrf_token": {token}, "password": {"long enough password"}}); a.status != http.StatusNotFound {
		t.Errorf("a password for an unknown id: %d; want 404", a.status)
	}
}

// TestStoredIDsAreEscapedInLinks: every URL the console builds from
// stored data keeps that data inside one path segment.
func TestStoredIDsAreEscapedInLinks(t *testing.T) {
	h, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	const raw, want = "a/b?c#d", "a%2Fb%3Fc%23d"
	app := application{ID: raw}
	for name, body := range map[string]any{"applications": applicationsPage{Items: []application{app}},
		"confirm": confirmPage{action: actions["delete"], App: app}} {
		var b strings.Builder
		if err := h.pages[name].ExecuteTemplate(&b, "layout", page{Workspace: raw, Session: &Session{Name: "me", CSRF: "x"},
			Workspaces: []string{raw}, Page: body}); err != nil {
			t.Fatal(err)
		}
		links := regexp.MustCompile(`(?:href|action)="(/admin/ws/[^"]*)"`).FindAllStringSubmatch(b.String(), -1)
		if len(links) < 3 {
			t.Fatalf("%s: only %d links", name, len(links))
		}
		for _, link := range links {
			if !strings.HasPrefix(link[1], "/admin/ws/"+want+"/") {
				t.Errorf("%s: a link %q leaves the workspace's segment", name, link[1])
			}
			if rest, ok := strings.CutPrefix(link[1], "/admin/ws/"+want+"/applications/"); ok && !strings.HasPrefix(rest, want) {
				t.Errorf("%s: a link %q leaves the client's segment", name, link[1])
			}
		}
	}
}

// TestSignInFromAnotherSite: a sign-in posted by another site's page
// (login CSRF) is refused; the browser's own and a script's pass.
func TestSignInFromAnotherSite(t *testing.T) {
	s := newSite(t)
	signIn := func(headers map[string]string) answer {
		req, _ := http.NewRequest("POST", s.srv.URL+"/admin/signin", strings.NewReader(url.Values{"token": {testAdminToken}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := s.browser().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return answer{status: resp.StatusCode, header: resp.Header}
	}
	for _, h := range []map[string]string{
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site", "Origin": "https://other.example"},
	} {
		if a := signIn(h); a.status != http.StatusForbidden || len(a.header.Values("Set-Cookie")) != 0 {
			t.Errorf("sign-in with %v: %d, cookies %v; want 403 and none", h, a.status, a.header.Values("Set-Cookie"))
		}
	}
	if !strings.Contains(s.logs.String(), "sent from another site") {
		t.Error("a cross-site sign-in is not logged")
	}
	for _, h := range []map[string]string{{}, {"Origin": s.srv.URL}, {"Sec-Fetch-Site": "same-origin", "Origin": s.srv.URL}} {
		if a := signIn(h); a.status != http.StatusSeeOther {
			t.Errorf("sign-in with %v: %d; want 303", h, a.status)
		}
	}
}

// TestRegistrantLogoIsNeverLoaded: showing an application must not
// make the operator's browser fetch from a host the registrant chose.
func TestRegistrantLogoIsNeverLoaded(t *testing.T) {
	s := newSite(t)
	c, _ := s.signIn()
	md := client.Metadata{ClientName: "Tracker", LogoURI: "https://tracker.example/pixel.png",
		GrantTypes: []string{client.GrantClientCredentials}, TokenEndpointAuthMethod: client.AuthClientSecretBasic}
	cl, _, err := client.New(time.Now(), rand.Reader, s.svc.Hasher, nil, "default", md, client.Provenance{Origin: client.OriginDCR})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Store.CreateClient(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
	a := s.do(c, "GET", "/admin/ws/default/applications/"+cl.ID, nil)
	if strings.Contains(a.body, "<img") {
		t.Error("the application page has an image: a registrant's logo would be loaded")
	}
	if !strings.Contains(a.body, "https://tracker.example/pixel.png") {
		t.Error("the logo URI is not shown")
	}
	if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self';") {
		t.Errorf("CSP %q lets images load from elsewhere", csp)
	}
}

// TestLogLines: a refused sign-in names its request and path, and each
// console page is logged with the admin's name.
func TestLogLines(t *testing.T) {
	s := newSite(t)
	s.do(s.browser(), "POST", "/admin/signin", url.Values{"token": {"wrong"}})
	c, _ := s.signIn()
	s.do(c, "GET", "/admin/ws/default/keys", nil)
	lines := strings.Split(s.logs.String(), "\n")
	find := func(msg string) string {
		for _, l := range lines {
			if strings.Contains(l, msg) {
				return l
			}
		}
		t.Fatalf("no %q line in:\n%s", msg, s.logs.String())
		return ""
	}
	refused := find("console sign-in refused: unknown admin token")
	if !regexp.MustCompile(`request_id=\S+`).MatchString(refused) || !strings.Contains(refused, "path=/admin/signin") {
		t.Errorf("the refusal lacks its request id or path: %s", refused)
	}
	page := find("path=/admin/ws/default/keys")
	if !strings.Contains(page, `msg="console request"`) || !strings.Contains(page, "admin="+admin.EnvAdminName) || !strings.Contains(page, "request_id=") {
		t.Errorf("the page request lacks the admin or request id: %s", page)
	}
}
