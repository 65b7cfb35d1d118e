package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrar-dev/registrar/internal/oautherr"
)

func TestParseForm(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        string
		wantCode    string
		want        Form
	}{
		{"plain", "application/x-www-form-urlencoded", "a=1&b=two+words", "", Form{"a": {"1"}, "b": {"two words"}}},
		{"charset parameter is fine", "application/x-www-form-urlencoded; charset=UTF-8", "a=1", "", Form{"a": {"1"}}},
		{"empty value counts as absent", "application/x-www-form-urlencoded", "a=&b=1", "", Form{"b": {"1"}}},
		{"json is refused", "application/json", `{"a":1}`, oautherr.InvalidRequest, nil},
		{"no content type", "", "a=1", oautherr.InvalidRequest, nil},
		{"repeated parameter", "application/x-www-form-urlencoded", "a=1&a=2", oautherr.InvalidRequest, nil},
		{"bad percent encoding", "application/x-www-form-urlencoded", "a=%zz", oautherr.InvalidRequest, nil},
		{"too large", "application/x-www-form-urlencoded", "a=" + strings.Repeat("x", MaxFormBytes), oautherr.InvalidRequest, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			got, err := ParseForm(httptest.NewRecorder(), r)
			if tc.wantCode != "" {
				var oe *oautherr.Error
				if !errors.As(err, &oe) || oe.Code != tc.wantCode {
					t.Fatalf("err = %v, want code %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("form = %v, want %v", got, tc.want)
			}
			for k := range tc.want {
				if got.Get(k) != tc.want.Get(k) {
					t.Errorf("form[%q] = %q, want %q", k, got.Get(k), tc.want.Get(k))
				}
			}
		})
	}
}

func TestParseFormRepeatable(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("resource=a&resource=b&x=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f, err := ParseForm(httptest.NewRecorder(), r, "resource")
	if err != nil || len(f.All("resource")) != 2 || f.Get("x") != "1" {
		t.Fatalf("form %v, err %v", f, err)
	}
}

func TestWriteErrorStatusAndChallenge(t *testing.T) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	WriteError(rec, r, oautherr.InvalidClientf("nope").WithChallenge(`Basic realm="x"`))
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Basic realm="x"` {
		t.Fatalf("status %d, challenge %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	if rec.Header().Get("Cache-Control") != "no-store" || !strings.Contains(rec.Body.String(), `"error":"invalid_client"`) {
		t.Fatalf("headers %v body %s", rec.Header(), rec.Body)
	}

	rec = httptest.NewRecorder()
	WriteError(rec, r, errors.New("disk on fire: secret=hunter2"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "hunter2") {
		t.Fatalf("internal error leaked or wrong status: %d %s", rec.Code, rec.Body)
	}
}
