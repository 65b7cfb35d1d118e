package oauth

import (
	"strings"
	"testing"
)

func TestVerifyPKCE(t *testing.T) {
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	cases := []struct {
		name, method, challenge, verifier string
		want                              bool
	}{
		{"rfc example", PKCES256, challenge, verifier, true},
		{"wrong verifier", PKCES256, challenge, verifier[:42] + "A", false},
		{"plain", PKCEPlain, verifier, verifier, true},
		{"plain mismatch", PKCEPlain, verifier, strings.Repeat("a", 43), false},
		{"verifier too short", PKCEPlain, "abc", "abc", false},
		{"verifier too long", PKCEPlain, strings.Repeat("a", 129), strings.Repeat("a", 129), false},
		{"bad character", PKCEPlain, strings.Repeat("a", 42) + "+", strings.Repeat("a", 42) + "+", false},
		{"unknown method", "S512", challenge, verifier, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := verifyPKCE(tc.method, tc.challenge, tc.verifier); got != tc.want {
				t.Fatalf("verifyPKCE = %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzVerifyPKCE(f *testing.F) {
	f.Add("S256", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
	f.Fuzz(func(t *testing.T, method, challenge, verifier string) {
		if verifyPKCE(method, challenge, verifier) && !validPKCEValue(verifier) {
			t.Fatal("accepted a malformed verifier")
		}
	})
}
