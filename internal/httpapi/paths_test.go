package httpapi

import (
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// serveMuxClean is net/http's cleanPath (server.go), the cleaning that
// ServeMux redirects to: IsCleanPath(p) must equal serveMuxClean(p) == p.
func serveMuxClean(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

var pathCases = []string{
	"", "/", "//", "/.", "/..", "./x", "x", "*",
	"/default/oauth2/token", "/default/oauth2/token/", "/default/oauth2//token",
	"/default/./oauth2/token", "/x/../default/oauth2/token", "/default/oauth2/token/.",
	"/default/oauth2/token/..", "/default/oauth2/token//", "//default/oauth2/token",
	"/a/..b/c.", "/a/.../b", "/%2e%2e/default", "/default/oauth2/register/x%2F..%2Fy",
}

func TestIsCleanPathIsServeMuxCleaning(t *testing.T) {
	for _, p := range pathCases {
		if got, want := IsCleanPath(p), serveMuxClean(p) == p; got != want {
			t.Errorf("IsCleanPath(%q) = %v, want %v", p, got, want)
		}
	}
}

func FuzzIsCleanPath(f *testing.F) {
	for _, p := range pathCases {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := IsCleanPath(p), serveMuxClean(p) == p; got != want {
			t.Fatalf("IsCleanPath(%q) = %v, want %v", p, got, want)
		}
	})
}

// TestRejectUncleanPaths: every unclean path gets refuse's error as JSON,
// never a redirect and never the wrapped handler; clean paths pass.
func TestRejectUncleanPaths(t *testing.T) {
	reached := false
	h := RejectUncleanPaths(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			WriteError(w, r, oautherr.New(oautherr.NotFound, "no such endpoint"))
		}),
	)
	for _, p := range []string{"/default/oauth2//token", "/default/./oauth2/token", "/x/../default/oauth2/token"} {
		reached = false
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, p, strings.NewReader("grant_type=client_credentials")))
		if reached || rec.Code != http.StatusNotFound || rec.Header().Get("Location") != "" ||
			!strings.Contains(rec.Body.String(), `"error":"not_found"`) {
			t.Errorf("POST %s: reached=%v %d Location=%q %s", p, reached, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
	}
	reached = false
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/default/oauth2/token", nil))
	if !reached {
		t.Error("a clean path did not reach the handler")
	}
}

// nopWriter is a ResponseWriter that allocates nothing itself.
type nopWriter struct{ h http.Header }

func (w nopWriter) Header() http.Header         { return w.h }
func (w nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w nopWriter) WriteHeader(int)             {}

// The guard runs on every request: a clean path must cost no allocation.
func TestRejectUncleanPathsCleanPathDoesNotAllocate(t *testing.T) {
	h := RejectUncleanPaths(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Fatal("refused a clean path") }))
	w := nopWriter{h: http.Header{}}
	for _, p := range []string{"/default/oauth2/token", "/default/oauth2/register/abc", "/healthz", "/"} {
		r := httptest.NewRequest(http.MethodPost, p, nil)
		if n := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }); n != 0 {
			t.Errorf("%s: %v allocations per request, want 0", p, n)
		}
	}
}

func BenchmarkRejectUncleanPaths(b *testing.B) {
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	h := RejectUncleanPaths(nop, nop)
	w := nopWriter{h: http.Header{}}
	r := httptest.NewRequest(http.MethodPost, "/default/oauth2/register/0123456789abcdef", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
