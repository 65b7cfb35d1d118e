package registration

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// TestReadJSONBodyContentType: JSON is UTF-8 (RFC 8259 §8.1). A charset
// parameter may say so, in any case; one naming another charset gets the
// error of a wrong content type.
func TestReadJSONBodyContentType(t *testing.T) {
	for contentType, ok := range map[string]bool{
		"application/json":                     true,
		"application/json; charset=utf-8":      true,
		"application/json; charset=UTF-8":      true,
		`application/json; charset="utf-8"`:    true,
		"application/json; charset=iso-8859-1": false,
		"application/json; charset=utf-16":     false,
		"application/json; charset=":           false,
		"text/plain":                           false,
		"":                                     false,
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
		r.Header.Set("Content-Type", contentType)
		_, err := readJSONBody(httptest.NewRecorder(), r)
		var oe *oautherr.Error
		if ok && err != nil || !ok && (!errors.As(err, &oe) || oe.Code != oautherr.InvalidClientMetadata || !strings.Contains(oe.Description, "application/json")) {
			t.Errorf("%q: err = %v; want accepted %v", contentType, err, ok)
		}
	}
}
