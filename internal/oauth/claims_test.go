package oauth

import (
	"slices"
	"testing"
)

// A remembered decoding must answer as a fresh one would, and what one
// caller changes must not reach the next.
func TestDecodeClaimsRemembersACopy(t *testing.T) {
	payload := []byte(`{"iss":"https://id.example/w","sub":"c","aud":["https://api.a","https://api.b"],"exp":2,"iat":1,"jti":"j","client_id":"c","scope":"a b"}`)
	first, err := decodeClaims(payload)
	if err != nil {
		t.Fatal(err)
	}
	first.Audience[0] = "changed"
	second, err := decodeClaims(payload)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(second.Audience, audience{"https://api.a", "https://api.b"}) || second.JTI != "j" || second.Scope != "a b" {
		t.Fatalf("second decoding = %+v", second)
	}
	if _, err := decodeClaims([]byte(`{"jti":`)); err == nil {
		t.Fatal("a truncated payload decoded")
	}
}
