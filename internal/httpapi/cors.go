package httpapi

import (
	"net/http"
	"slices"
	"strings"
)

// CORSAnyOrigin marks a public, credential-free document (discovery, JWKS)
// as readable from any origin.
func CORSAnyOrigin(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
	h.Set("Access-Control-Max-Age", "600")
}

// CORSPublicPreflight sets the headers of a preflight for a CORSAnyOrigin
// document, allowing the request headers the browser asks for (say an
// OIDC library's X-Requested-With): without them in Allow-Headers the
// browser drops its GET. The document is public and credential-free, and
// no header changes it, so allowing whatever is asked exposes nothing; a
// fixed list would break the next library's header. (The "*" wildcard
// means the same for credential-free requests, but older browsers take it
// literally.)
func CORSPublicPreflight(w http.ResponseWriter, r *http.Request) {
	CORSAnyOrigin(w)
	if asked := r.Header.Values("Access-Control-Request-Headers"); len(asked) > 0 {
		w.Header().Set("Access-Control-Allow-Headers", strings.Join(asked, ", "))
		w.Header().Add("Vary", "Access-Control-Request-Headers")
	}
}

// CORSAllowed sets CORS headers when the request's Origin is in allowed and
// reports whether it did. RFC 9700 §2.6: never call this on the
// authorization endpoint.
func CORSAllowed(w http.ResponseWriter, r *http.Request, allowed []string, methods string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(allowed, origin) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", methods)
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key")
	h.Set("Access-Control-Max-Age", "600")
	return true
}
