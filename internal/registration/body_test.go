package registration

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

// TestDecodeBodyContentType: JSON is UTF-8 (RFC 8259 §8.1). A charset
// parameter may say so, in any case; one naming another charset gets the
// error of a wrong content type.
func TestDecodeBodyContentType(t *testing.T) {
	cases := []struct {
		contentType string
		ok          bool
	}{
		{"application/json", true},
		{"application/json; charset=utf-8", true},
		{"application/json; charset=UTF-8", true},
		{`application/json; charset="utf-8"`, true},
		{"Application/JSON", true},
		{"application/json; charset=iso-8859-1", false},
		{"application/json; charset=utf-16", false},
		{"application/json; charset=", false},
		{"application/xml", false},
		{"text/plain", false},
		{"", false},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
		r.Header.Set("Content-Type", tc.contentType)
		body, _, err := decodeBody(httptest.NewRecorder(), r)
		if tc.ok {
			if err != nil || string(body) != `{}` {
				t.Errorf("%q: body %q, err %v; want the body", tc.contentType, body, err)
			}
			continue
		}
		if oe := wantCode(t, err, oautherr.InvalidClientMetadata); oe.Description != "content type must be application/json (in UTF-8), or application/jose for a signed request" {
			t.Errorf("%q: description %q", tc.contentType, oe.Description)
		}
	}
}

func TestDecodeBodySize(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		ok   bool
	}{
		{"at the cap", MaxBodyBytes, true},
		{"one byte over", MaxBodyBytes + 1, false},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat(" ", tc.size)))
		r.Header.Set("Content-Type", "application/json")
		body, _, err := decodeBody(httptest.NewRecorder(), r)
		if tc.ok {
			if err != nil || len(body) != tc.size {
				t.Errorf("%s: %d bytes, err %v", tc.name, len(body), err)
			}
			continue
		}
		if oe := wantCode(t, err, oautherr.InvalidClientMetadata); oe.Description != "request body exceeds 65536 bytes" {
			t.Errorf("%s: description %q", tc.name, oe.Description)
		}
	}
}

// failingReader is a body whose connection broke.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errBrokenBody }

var errBrokenBody = errors.New("connection reset")

func TestDecodeBodyUnreadable(t *testing.T) {
	r := httptest.NewRequest("POST", "/", failingReader{})
	r.Header.Set("Content-Type", "application/json")
	_, _, err := decodeBody(httptest.NewRecorder(), r)
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); oe.Description != "request body could not be read" {
		t.Errorf("description %q", oe.Description)
	}
}

// TestDecodeSignedBody: application/jose (and application/jwt, read
// alike) is a signed body, handed on as the token for the service to
// verify, without a trailing line end.
func TestDecodeSignedBody(t *testing.T) {
	for _, ct := range []string{"application/jose", "application/jwt", "Application/JOSE"} {
		r := httptest.NewRequest("POST", "/", strings.NewReader("a.b.c\r\n"))
		r.Header.Set("Content-Type", ct)
		body, signed, err := decodeBody(httptest.NewRecorder(), r)
		if err != nil || !signed || string(body) != "a.b.c" {
			t.Errorf("%s: body %q, signed %v, err %v", ct, body, signed, err)
		}
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
	r.Header.Set("Content-Type", "application/json")
	if _, signed, _ := decodeBody(httptest.NewRecorder(), r); signed {
		t.Error("a JSON body read as signed")
	}
}
