package httpapi

import (
	"net/http"
	"slices"
)

// CORSAnyOrigin marks a public, credential-free document (discovery, JWKS)
// as readable from any origin.
func CORSAnyOrigin(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
	h.Set("Access-Control-Max-Age", "600")
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
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	return true
}
