package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// MaxFormBytes caps form bodies (token, introspection, revocation).
const MaxFormBytes = 64 << 10

// Form is a decoded application/x-www-form-urlencoded body in which every
// parameter appears at most once, except those the caller allowed to repeat.
type Form map[string][]string

// Get returns the (first) value of key; an empty value counts as absent
// (RFC 6749 §3.1).
func (f Form) Get(key string) string {
	if vs := f[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// All returns every value of a repeatable key.
func (f Form) All(key string) []string { return f[key] }

// ParseForm strictly decodes a POST form body: the content type must be
// application/x-www-form-urlencoded (RFC 6749 §3.2), the body at most
// MaxFormBytes, the encoding valid, and no parameter repeated (RFC 6749
// §3.1: "Request and response parameters MUST NOT be included more than
// once"). Query-string parameters are ignored: credentials do not belong
// in URLs.
// Names in repeatable may appear several times (RFC 8707 resource).
func ParseForm(w http.ResponseWriter, r *http.Request, repeatable ...string) (Form, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, oautherr.InvalidRequestf("content type must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxFormBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			// 413 says what happened (SPECS §0); the code stays one of RFC
			// 6749 §5.2's so that every OAuth client can read it.
			return nil, oautherr.InvalidRequestf("request body exceeds %d bytes", MaxFormBytes).WithStatus(http.StatusRequestEntityTooLarge)
		}
		return nil, oautherr.InvalidRequestf("request body could not be read")
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, oautherr.InvalidRequestf("malformed form encoding")
	}
	form := make(Form, len(values))
	for k, vs := range values {
		if len(vs) > 1 && !slices.Contains(repeatable, k) {
			return nil, oautherr.InvalidRequestf("parameter %q is repeated", k)
		}
		vs = slices.DeleteFunc(vs, func(v string) bool { return v == "" })
		if len(vs) > 0 {
			form[k] = vs
		}
	}
	return form, nil
}
