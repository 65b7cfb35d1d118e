package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRenderEscapesAndProtects(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	err = r.Render(rec, 200, "consent", "Allow access", "https://id.example/default", ConsentPage{
		Action: "/default/consent", CSRF: "tok", ClientName: `<script>alert(1)</script>`,
		LogoURI: "javascript:alert(1)", Scopes: []string{"Read your profile"}, Unverified: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := rec.Body.String()
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatal("client name not escaped")
	}
	if strings.Contains(body, `src="javascript:`) {
		t.Fatal("javascript: URL rendered into img src")
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
		if rec.Header().Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("CSP does not forbid framing")
	}
	if !strings.Contains(body, "has not reviewed it") {
		t.Error("self-registered client not flagged to the user")
	}
}

// TestEveryPageRenders renders each page with every field set and checks
// that each value shows where a user (or the form posted back) needs it:
// a page that renders without error but drops its form, its CSRF token or
// the client's name is as broken as one that fails.
func TestEveryPageRenders(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	form := []string{`action="/w/act"`, `name="csrf_token" value="csrf-1"`, `name="request" value="req-1"`}
	for _, tc := range []struct {
		name string
		page any
		want []string
	}{
		{"login", LoginPage{Action: "/w/act", CSRF: "csrf-1", Request: "req-1", ClientName: "Client-1", Username: "user-1", Error: "error-1"},
			append(form, "Client-1", `value="user-1"`, "error-1", `id="password"`)},
		{"consent", ConsentPage{Action: "/w/act", CSRF: "csrf-1", Request: "req-1", ClientName: "Client-1", LogoURI: "https://c.example/logo.png",
			PolicyURI: "https://c.example/policy", TOSURI: "https://c.example/tos", Username: "user-1", Scopes: []string{"scope-1", "scope-2"}},
			append(form, "Client-1", `src="https://c.example/logo.png"`, `href="https://c.example/policy"`, `href="https://c.example/tos"`,
				"user-1", "<li>scope-1</li>", "<li>scope-2</li>", `value="allow"`, `value="deny"`)},
		{"error", ErrorPage{Heading: "heading-1", Message: "message-1", Code: "code-1"}, []string{"heading-1", "message-1", "code-1"}},
		{"logout", LogoutPage{Action: "/w/act", CSRF: "csrf-1", Request: "req-1", ClientName: "Client-1"}, append(form, "Client-1", "https://id.example/w")},
		{"logout", LogoutPage{Done: true}, []string{"You are signed out."}},
	} {
		rec := httptest.NewRecorder()
		if err := r.Render(rec, 400, tc.name, "title-1", "https://id.example/w", tc.page); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		body := rec.Body.String()
		if rec.Code != 400 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(body, "<title>title-1") {
			t.Errorf("%s: status %d, content type %q, title missing from:\n%s", tc.name, rec.Code, rec.Header().Get("Content-Type"), body)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s page lacks %s:\n%s", tc.name, w, body)
			}
		}
	}
}

// TestInlineScriptAndStyleMatchTheirCSPHashes: a browser runs the inline
// script and applies the stylesheet only if their content hashes to what
// the policy names, byte for byte as rendered.
func TestInlineScriptAndStyleMatchTheirCSPHashes(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := r.Render(rec, 200, "login", "Sign in", "i", LoginPage{Action: "/x"}); err != nil {
		t.Fatal(err)
	}
	body, csp := rec.Body.String(), rec.Header().Get("Content-Security-Policy")
	for _, el := range []struct{ tag, directive string }{{"script", "script-src"}, {"style", "style-src"}} {
		_, rest, ok := strings.Cut(body, "<"+el.tag+">")
		content, _, ok2 := strings.Cut(rest, "</"+el.tag+">")
		if !ok || !ok2 || content == "" {
			t.Fatalf("no inline %s on the page", el.tag)
		}
		sum := sha256.Sum256([]byte(content)) // computed here, not with the package's own hash
		if want := el.directive + " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
			t.Errorf("the rendered %s hashes to %q, which the policy %q does not allow", el.tag, want, csp)
		}
	}
}
