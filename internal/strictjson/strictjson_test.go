package strictjson

import (
	"strings"
	"testing"
)

func TestDecodeObject(t *testing.T) {
	deep := strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth)
	tooDeep := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	cases := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"object", `{"a":1,"b":[1,{"c":2}]}`, ""},
		{"at depth limit", deep, ""},
		{"too deep", tooDeep, "deeper"},
		{"array", `[1]`, "object"},
		{"string", `"x"`, "object"},
		{"null", `null`, "object"},
		{"duplicate top-level", `{"a":1,"a":2}`, "more than once"},
		{"duplicate nested", `{"a":{"b":1,"b":1}}`, "more than once"},
		{"same name at different levels is fine", `{"a":{"a":1}}`, ""},
		{"trailing data", `{"a":1} {}`, "after"},
		{"invalid utf8", "{\"a\":\"\xff\"}", "UTF-8"},
		{"truncated", `{"a":`, "valid JSON"},
		{"empty", ``, "valid JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeObject([]byte(tc.body))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestDecodeObjectKeepsExactNames(t *testing.T) {
	obj, err := DecodeObject([]byte(`{"Redirect_URIs":["x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := obj["redirect_uris"]; ok {
		t.Fatal("a differently-cased name was bound to redirect_uris")
	}
}

func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":null}]}`, `{"a":1,"a":1}`, `[`, "{\"\xff\":1}", `{"a":"\ud800\udc00"}`, `{"a":"\ud800"}`, `{"a":"\\u"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obj, err := DecodeObject(body)
		if err == nil && obj == nil {
			t.Fatal("nil object without an error")
		}
	})
}

// TestUnpairedSurrogatesRefused: an escape encoding/json would turn into
// U+FFFD is refused; proper pairs, escaped backslashes and a literal U+FFFD
// pass.
func TestUnpairedSurrogatesRefused(t *testing.T) {
	for _, body := range []string{
		`{"client_name":"\ud800"}`,
		`{"client_name":"\udc00x"}`,
		`{"client_name":"\ud800\u0041"}`,
		`{"a":["ok","\uDBFF"]}`,
	} {
		if _, err := DecodeObject([]byte(body)); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
	for _, body := range []string{
		`{"client_name":"\ud83d\ude00"}`,
		`{"client_name":"\\ud800"}`,
		`{"client_name":"\u00e9\u0041"}`,
		"{\"client_name\":\"\uFFFD\"}",
	} {
		if _, err := DecodeObject([]byte(body)); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}
