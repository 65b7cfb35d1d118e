// Package web renders Registrar's own pages — login, consent, error and
// logout — with html/template and embedded assets. Pages work without
// JavaScript, are styled by one embedded stylesheet pinned by a CSP hash,
// and refuse to be framed (RFC 9700 §4.16, clickjacking).
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

//go:embed templates/*.html templates/style.css templates/once.js
var files embed.FS

// Renderer renders the pages.
type Renderer struct {
	pages map[string]*template.Template
	css   template.CSS
	js    template.JS
	csp   string
}

// hash is a CSP source hash of an inline element's content.
func hash(content []byte) string {
	sum := sha256.Sum256(content)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// New parses the embedded templates once.
func New() (*Renderer, error) {
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		return nil, err
	}
	js, err := files.ReadFile("templates/once.js")
	if err != nil {
		return nil, err
	}
	r := &Renderer{
		pages: map[string]*template.Template{},
		css:   template.CSS(css),
		js:    template.JS(js),
		// Nothing loads but the inline stylesheet and script (by hash) and
		// https images (client logos); no framing. form-action is added per
		// page.
		csp: fmt.Sprintf("default-src 'none'; style-src 'sha256-%s'; script-src 'sha256-%s'; img-src https:; frame-ancestors 'none'; base-uri 'none'",
			hash(css), hash(js)),
	}
	for _, name := range []string{"login", "consent", "error", "logout"} {
		t, err := template.ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		r.pages[name] = t
	}
	return r, nil
}

// view is what every page template sees.
type view struct {
	Title  string
	Issuer string
	CSS    template.CSS
	JS     template.JS
	Page   any
}

// LoginPage is the login form.
type LoginPage struct {
	Action, CSRF, Request, ClientName, Username, Error string
	// Unverified: as on ConsentPage. The sign-in page names the client
	// too, and a user who signs in to "Acme Bank" should learn there, not
	// only a page later, that nobody checked the name.
	Unverified bool
}

// ConsentPage shows who asks for what.
type ConsentPage struct {
	Action, CSRF, Request                            string
	ClientName, LogoURI, PolicyURI, TOSURI, Username string
	Scopes                                           []string
	// Unverified marks a client that registered itself (DCR): users are
	// told nobody reviewed it (RFC 9700 §4.11.2 asks to warn them).
	Unverified bool
}

// ErrorPage explains a request that cannot go back to the client. Message
// speaks to the person in front of the page; Detail, Code and RequestID
// are for whoever must fix it, folded away.
type ErrorPage struct {
	Heading, Message        string
	Detail, Code, RequestID string
	// ForDeveloper: the fault is in the app's request, so the details are
	// addressed to its developer.
	ForDeveloper bool
}

// LogoutPage confirms RP-initiated logout.
type LogoutPage struct {
	Action, CSRF, Request, ClientName string
	Done                              bool
}

// Render writes page name with status. The page is rendered to a buffer
// first so a template error never leaves half a page. Forms may post to
// us only, but browsers also apply form-action to the redirect after a
// POST, so redirectTo (the one client redirect URI this request may end
// at) is allowed too.
func (r *Renderer) Render(w http.ResponseWriter, status int, name, title, issuer string, page any, redirectTo ...string) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view{Title: title, Issuer: issuer, CSS: r.css, JS: r.js, Page: page}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", r.csp+"; form-action 'self'"+formSources(redirectTo))
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// formSources turns redirect URIs into CSP sources: the origin of an http(s)
// URI, the scheme of a private-use one ("com.example.app:").
func formSources(uris []string) string {
	var b strings.Builder
	for _, raw := range uris {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || strings.ContainsAny(raw, " ;,'") {
			continue
		}
		if u.Scheme == "http" || u.Scheme == "https" {
			b.WriteString(" " + u.Scheme + "://" + u.Host)
		} else {
			b.WriteString(" " + u.Scheme + ":")
		}
	}
	return b.String()
}
