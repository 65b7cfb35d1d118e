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

func TestEveryPageRenders(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for name, page := range map[string]any{
		"login": LoginPage{Action: "/x"}, "consent": ConsentPage{}, "error": ErrorPage{Heading: "h", Message: "m"}, "logout": LogoutPage{},
	} {
		rec := httptest.NewRecorder()
		if err := r.Render(rec, 200, name, "t", "i", page); err != nil {
			t.Errorf("%s: %v", name, err)
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
