package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// FuzzParseForm: any body either decodes to a form whose every parameter
// has non-empty values and repeats only "resource", and which encodes and
// decodes again to itself, or is refused with invalid_request (400, or
// 413 when too large); never a panic or another error.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{
		"grant_type=client_credentials&scope=a+b", "a=1&a=2", "resource=x&resource=y", "a=%zz", "=x&y=",
		"a=1;b=2", "%00=%ff", "a&b&c", strings.Repeat("x", MaxFormBytes+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := parseFormBody(body)
		if err != nil {
			var oe *oautherr.Error
			if !errors.As(err, &oe) || oe.Code != oautherr.InvalidRequest || (oe.Status != 0 && oe.Status != http.StatusBadRequest && oe.Status != http.StatusRequestEntityTooLarge) {
				t.Fatalf("%q: %v; want invalid_request", body, err)
			}
			return
		}
		for k, vs := range form {
			if len(vs) == 0 || slices.Contains(vs, "") || (len(vs) > 1 && k != "resource") {
				t.Fatalf("%q: parameter %q has values %q", body, k, vs)
			}
		}
		again, err := parseFormBody(url.Values(form).Encode())
		if err != nil {
			t.Fatalf("%q decoded to %v, whose encoding is refused: %v", body, form, err)
		}
		if d := cmp.Diff(map[string][]string(form), map[string][]string(again)); d != "" {
			t.Fatalf("%q: decode, encode, decode changed the form (-first +again):\n%s", body, d)
		}
	})
}

func parseFormBody(body string) (Form, error) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ParseForm(httptest.NewRecorder(), r, "resource")
}
