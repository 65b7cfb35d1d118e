package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-dev/registrar/internal/admin"
	"github.com/registrar-dev/registrar/internal/adminapi"
	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/clock"
	"github.com/registrar-dev/registrar/internal/httpapi"
	"github.com/registrar-dev/registrar/internal/secret"
	"github.com/registrar-dev/registrar/internal/store/sqlite"
	"github.com/registrar-dev/registrar/internal/workspace"
)

const testAdminToken = "console-test-admin-token-0123456789abcdef"

// site is the console on a real SQLite store behind a real HTTP server.
type site struct {
	t    *testing.T
	srv  *httptest.Server
	svc  *admin.Service
	h    *Handler
	logs logFile
}

// logFile is the server's log, a file so that a test reads it while the
// server's goroutines write.
type logFile string

func (f logFile) String() string {
	b, _ := os.ReadFile(string(f))
	return string(b)
}

// createClient makes a client_credentials client named name in the
// default workspace, as an operator's CLI would.
func (s *site) createClient(name string) admin.CreatedClient {
	s.t.Helper()
	made, err := s.svc.CreateClient(context.Background(), admin.NewClient{Workspace: "default", Origin: client.OriginCLI, Metadata: client.Metadata{
		ClientName: name, GrantTypes: []string{client.GrantClientCredentials}, TokenEndpointAuthMethod: client.AuthClientSecretBasic}})
	if err != nil {
		s.t.Fatal(err)
	}
	return made
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	logs := logFile(filepath.Join(t.TempDir(), "registrar.log"))
	out, err := os.Create(string(logs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	log := slog.New(slog.NewTextHandler(out, nil))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "registrar.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().UTC()
	if err := st.CreateWorkspace(ctx, workspace.Workspace{Name: "default", Settings: workspace.DefaultSettings(), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	svc := &admin.Service{Source: clock.Source{Now: time.Now}, Store: st, Hasher: secret.NewHasher(bytes.Repeat([]byte{7}, 32)),
		EnvAdminToken: testAdminToken}
	now2 := time.Now()
	h, err := New(svc, testSessions(t, 3, &now2))
	if err != nil {
		t.Fatal(err)
	}
	h.SignIns = adminapi.NewThrottle(10, time.Hour)
	mux := http.NewServeMux()
	h.Routes(mux)
	// As the server serves it: Instrument gives each request its id and
	// its logger.
	root := httpapi.Instrument(mux, log, httpapi.NewMetrics(prometheus.NewRegistry()), false)
	s := &site{t: t, srv: httptest.NewServer(root), svc: svc, h: h, logs: logs}
	t.Cleanup(s.srv.Close)
	return s
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each answer can be checked.
func (s *site) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type answer struct {
	status int
	body   string
	header http.Header
}

func (s *site) do(c *http.Client, method, path string, form url.Values) answer {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, string(b), resp.Header}
}

// signIn returns a signed-in browser and the CSRF token of its session.
func (s *site) signIn() (*http.Client, string) {
	s.t.Helper()
	c := s.browser()
	a := s.do(c, "POST", "/admin/signin", url.Values{"token": {testAdminToken}})
	if a.status != http.StatusSeeOther {
		s.t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	return c, s.csrf(c)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (s *site) csrf(c *http.Client) string {
	s.t.Helper()
	a := s.do(c, "GET", "/admin/ws/default/initial-access-tokens", nil)
	m := csrfField.FindStringSubmatch(a.body)
	if a.status != 200 || m == nil {
		s.t.Fatalf("no CSRF token on the tokens page: %d %s", a.status, a.body)
	}
	return m[1]
}

func TestSignIn(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	if a := s.do(c, "GET", "/admin", nil); a.status != http.StatusMovedPermanently || a.header.Get("Location") != "/admin/" {
		t.Errorf("/admin: %d to %q; want /admin/", a.status, a.header.Get("Location"))
	}
	if a := s.do(c, "GET", "/admin/ws/default/applications", nil); a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/admin/signin?next=") {
		t.Fatalf("a page without a session: %d %q; want a redirect to sign in", a.status, a.header.Get("Location"))
	}
	if a := s.do(c, "POST", "/admin/signin", url.Values{"token": {"wrong"}}); a.status != http.StatusUnauthorized || len(a.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("a wrong token: %d, cookies %v; want 401 and none", a.status, a.header.Values("Set-Cookie"))
	}
	a := s.do(c, "POST", "/admin/signin", url.Values{"token": {testAdminToken}, "next": {"https://evil.example/admin/"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/admin/" {
		t.Fatalf("sign-in: %d to %q; want 303 to /admin/ (never another site)", a.status, a.header.Get("Location"))
	}
	cookie := a.header.Get("Set-Cookie")
	if strings.Contains(cookie, "Secure") {
		t.Error("a Secure cookie over plain http: the browser would drop it")
	}
	for _, attr := range []string{"Path=/admin", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
	if strings.Contains(cookie, testAdminToken) {
		t.Error("the cookie carries the admin token itself")
	}
	page := s.do(c, "GET", "/admin/ws/default/applications", nil)
	if page.status != 200 {
		t.Fatalf("applications after sign-in: %d", page.status)
	}
	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") && !strings.Contains(csp, "script-src 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

// TestSecureCookieOverTLS: behind an https base URL the cookie is
// Secure.
func TestSecureCookieOverTLS(t *testing.T) {
	s := newSite(t)
	s.h.Secure = true
	a := s.do(s.browser(), "POST", "/admin/signin", url.Values{"token": {testAdminToken}})
	if c := a.header.Get("Set-Cookie"); a.status != http.StatusSeeOther || !strings.Contains(c, "; Secure") {
		t.Fatalf("sign-in on an https node: %d, cookie %q; want a Secure cookie", a.status, c)
	}
}

// TestNewEnvTokenEndsItsSessions: sessions opened with a
// REGISTRAR_ADMIN_TOKEN value end when the node has another.
func TestNewEnvTokenEndsItsSessions(t *testing.T) {
	s := newSite(t)
	c, _ := s.signIn()
	s.svc.EnvAdminToken = "a-new-value-after-a-leak-0123456789abcdef"
	if a := s.do(c, "GET", "/admin/ws/default/users", nil); a.status != http.StatusSeeOther {
		t.Fatalf("a session of the replaced value: %d; want a redirect to sign in", a.status)
	}
}

// TestRevokedTokenEndsItsSessions: the session names its token, which is
// looked up on every request.
func TestRevokedTokenEndsItsSessions(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	tok, err := s.svc.CreateAdminToken(ctx, admin.NewAdminToken{Name: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.browser()
	if a := s.do(c, "POST", "/admin/signin", url.Values{"token": {tok.Token}}); a.status != http.StatusSeeOther {
		t.Fatalf("sign-in with a stored token: %d %s", a.status, a.body)
	}
	if a := s.do(c, "GET", "/admin/ws/default/users", nil); a.status != 200 || !strings.Contains(a.body, "alice") {
		t.Fatalf("a page of a stored token's session: %d, or its name not shown", a.status)
	}
	if err := s.svc.RevokeAdminToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if a := s.do(c, "GET", "/admin/ws/default/users", nil); a.status != http.StatusSeeOther {
		t.Fatalf("a session of a revoked token: %d; want a redirect to sign in", a.status)
	}
}

func TestSignInThrottled(t *testing.T) {
	s := newSite(t)
	c := s.browser()
	var last answer
	for range 11 {
		last = s.do(c, "POST", "/admin/signin", url.Values{"token": {"wrong"}})
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("the 11th wrong token: %d; want 429", last.status)
	}
	if a := s.do(c, "POST", "/admin/signin", url.Values{"token": {testAdminToken}}); a.status != http.StatusTooManyRequests {
		t.Fatalf("a right token while throttled: %d; want 429 (refused unchecked)", a.status)
	}
}

func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	s := newSite(t)
	c, token := s.signIn()
	_, other := s.signIn()
	issue := "/admin/ws/default/initial-access-tokens"
	for name, form := range map[string]url.Values{
		"no token":                {"uses": {"1"}},
		"another session's token": {"uses": {"1"}, "csrf_token": {other}},
	} {
		if a := s.do(c, "POST", issue, form); a.status != http.StatusForbidden {
			t.Errorf("%s: %d; want 403", name, a.status)
		}
	}
	if a := s.do(s.browser(), "POST", issue, url.Values{"uses": {"1"}, "csrf_token": {token}}); a.status != http.StatusForbidden {
		t.Errorf("no session: %d; want 403", a.status)
	}
	tokens, _ := s.svc.InitialAccessTokens(context.Background(), "default")
	if len(tokens) != 0 {
		t.Fatalf("refused forms issued %d tokens", len(tokens))
	}
	a := s.do(c, "POST", issue, url.Values{"uses": {"1"}, "csrf_token": {token}})
	if a.status != 200 || !strings.Contains(a.body, "shown only now") {
		t.Fatalf("issuing with the right token: %d %s", a.status, a.body)
	}
}

func TestScriptInMetadataIsText(t *testing.T) {
	s := newSite(t)
	c, _ := s.signIn()
	md := client.Metadata{ClientName: `<script>alert("name")</script>`, ClientURI: "javascript:alert(1)//https://x",
		LogoURI: "javascript:alert(2)", GrantTypes: []string{client.GrantClientCredentials}, TokenEndpointAuthMethod: client.AuthClientSecretBasic}
	cl, _, err := client.New(time.Now(), rand.Reader, s.svc.Hasher, nil, "default", md, client.Provenance{Origin: client.OriginDCR})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.svc.Store.CreateClient(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/admin/ws/default/applications", "/admin/ws/default/applications/" + cl.ID} {
		a := s.do(c, "GET", path, nil)
		if a.status != 200 {
			t.Fatalf("%s: %d", path, a.status)
		}
		if strings.Contains(a.body, `<script>alert`) || !strings.Contains(a.body, "&lt;script&gt;") {
			t.Errorf("%s: client_name not escaped", path)
		}
		// html/template would defuse such a URI to #ZgotmplZ; the console
		// must not make it a link or image at all.
		if regexp.MustCompile(`(?i)(href|src)="\s*(javascript:|#ZgotmplZ)`).MatchString(a.body) {
			t.Errorf("%s: a javascript: URI became a link or image", path)
		}
	}
}

func TestPages(t *testing.T) {
	s := newSite(t)
	c, _ := s.signIn()
	made := s.createClient("Ops tool")
	app := "/admin/ws/default/applications/" + made.Client.ID
	for _, path := range []string{"/admin/ws/default/applications", "/admin/ws/default/applications?q=ops&registered_via=operator&created_after=2020-01-01",
		app, app + "/confirm?action=delete", "/admin/ws/default/settings", "/admin/ws/default/initial-access-tokens",
		"/admin/ws/default/users", "/admin/ws/default/keys", "/admin/ws/default/audit", "/admin/ws/default/audit?type=register&since=2020-01-01"} {
		if a := s.do(c, "GET", path, nil); a.status != 200 {
			t.Errorf("%s: %d %s", path, a.status, a.body)
		}
	}
	for path, want := range map[string]int{
		"/admin/ws/default/applications?limit=x":           400,
		"/admin/ws/default/applications?limit=0":           400,
		"/admin/ws/default/applications?cursor=~~garbage":  400,
		"/admin/ws/default/applications?registered_via=x":  400,
		"/admin/ws/default/applications?created_after=yes": 400,
		"/admin/ws/default/audit?cursor=garbage":           400,
		"/admin/ws/default/applications/nope":              404,
		"/admin/ws/nowhere/applications":                   404,
		app + "/confirm?action=explode":                    400,
	} {
		if a := s.do(c, "GET", path, nil); a.status != want {
			t.Errorf("%s: %d; want %d", path, a.status, want)
		}
	}
}

func TestSettingsChangeOnlyWhereTheYAMLDoesNot(t *testing.T) {
	s := newSite(t)
	c, token := s.signIn()
	patch := url.Values{"patch": {`{"registration":{"mode":"open"}}`}, "csrf_token": {token}}
	s.svc.YAMLOwns = func(string) bool { return true }
	if a := s.do(c, "GET", "/admin/ws/default/settings", nil); strings.Contains(a.body, `name="patch"`) {
		t.Error("a YAML-owned workspace's settings page offers a change")
	}
	if a := s.do(c, "POST", "/admin/ws/default/settings", patch); a.status != http.StatusConflict || !strings.Contains(a.body, "registration") {
		t.Errorf("a change to a YAML-owned workspace: %d; want 409 naming the key", a.status)
	}
	s.svc.YAMLOwns = nil
	if a := s.do(c, "POST", "/admin/ws/default/settings", url.Values{"patch": {`{"registration":{"mode":"sometimes"}}`}, "csrf_token": {token}}); a.status != http.StatusBadRequest {
		t.Errorf("an invalid mode: %d; want 400", a.status)
	}
	if a := s.do(c, "POST", "/admin/ws/default/settings", patch); a.status != http.StatusSeeOther {
		t.Fatalf("a change: %d %s", a.status, a.body)
	}
	ws, _ := s.svc.Workspace(context.Background(), "default")
	if ws.Settings.Registration.Mode != workspace.ModeOpen {
		t.Errorf("mode after the change: %q", ws.Settings.Registration.Mode)
	}
}

func TestApplicationActions(t *testing.T) {
	s := newSite(t)
	c, token := s.signIn()
	ctx := context.Background()
	now := time.Now().UTC()
	if err := s.svc.Store.CreateWorkspace(ctx, workspace.Workspace{Name: "other", Settings: workspace.DefaultSettings(), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	made := s.createClient("Ops tool")
	id := made.Client.ID
	post := func(ws, action string) answer {
		return s.do(c, "POST", "/admin/ws/"+ws+"/applications/"+id+"/"+action, url.Values{"csrf_token": {token}})
	}
	disabled := func() bool {
		cl, err := s.svc.Client(ctx, "default", id)
		if err != nil {
			t.Fatal(err)
		}
		return cl.Disabled()
	}
	// Another workspace's client is not there.
	if a := post("other", "disable"); a.status != http.StatusNotFound || disabled() {
		t.Fatalf("disabling through another workspace: %d, disabled %v; want 404 and no change", a.status, disabled())
	}
	if a := s.do(c, "GET", "/admin/ws/other/applications/"+id, nil); a.status != http.StatusNotFound {
		t.Fatalf("another workspace's client page: %d; want 404", a.status)
	}
	if a := post("default", "disable"); a.status != http.StatusSeeOther || !disabled() {
		t.Fatalf("disable: %d, disabled %v", a.status, disabled())
	}
	if a := s.do(c, "GET", "/admin/ws/default/applications/"+id+"?done=disable", nil); !strings.Contains(a.body, "Disabled") {
		t.Error("the page of a disabled application does not say so")
	}
	if a := post("default", "enable"); a.status != http.StatusSeeOther || disabled() {
		t.Fatalf("enable: %d, disabled %v", a.status, disabled())
	}
	a := post("default", "rotate-secret")
	m := regexp.MustCompile(`id="secret-value" class="secret" type="text" value="([^"]+)"`).FindStringSubmatch(a.body)
	if a.status != 200 || m == nil || m[1] == made.Secret {
		t.Fatalf("rotate secret: %d, shown %v", a.status, m)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		t.Error("the page showing a secret may be cached")
	}
	if a := post("default", "explode"); a.status != http.StatusNotFound {
		t.Errorf("an unknown action: %d; want 404", a.status)
	}
	if a := post("default", "delete"); a.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", a.status)
	}
	if _, err := s.svc.Client(ctx, "default", id); err == nil {
		t.Fatal("the client is still there after delete")
	}
}
