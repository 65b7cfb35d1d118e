package user

import "testing"

// cheap keeps the tests fast; the format is what is under test.
var cheap = Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword("correct horse", h); !ok || err != nil {
		t.Fatalf("right password rejected: %v", err)
	}
	if ok, _ := VerifyPassword("correct horsE", h); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=1$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		if ok, err := VerifyPassword("x", h); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want malformed", h, ok, err)
		}
	}
}

// TestCheckEmail: the email claim is a bare address, or absent.
func TestCheckEmail(t *testing.T) {
	for email, ok := range map[string]bool{
		"":                                   true,
		"alice@example.com":                  true,
		"alice+tag@mail.example.com":         true,
		"notanemail":                         false,
		"alice@":                             false,
		"@example.com":                       false,
		"Alice <alice@example.com>":          false,
		"<alice@example.com>":                false,
		"alice@example.com (work)":           false,
		" alice@example.com":                 false,
		"alice@example.com, bob@example.com": false,
	} {
		if err := CheckEmail(email); (err == nil) != ok {
			t.Errorf("CheckEmail(%q) = %v; want accepted %v", email, err, ok)
		}
	}
}
