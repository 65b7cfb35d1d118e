package masterkey

import (
	"bytes"
	"errors"
	"testing"
)

func testSealer(tb testing.TB) *Sealer {
	tb.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestNewSealerKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewSealer(make([]byte, n)); err == nil {
			t.Errorf("NewSealer accepted a %d-byte key", n)
		}
	}
}

func TestSealerRoundTripAndTamper(t *testing.T) {
	s := testSealer(t)
	aad := []byte("ws/kid")
	sealed, err := s.Seal([]byte("secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := s.Open(sealed, aad); err != nil || string(out) != "secret" {
		t.Fatalf("open: %q %v", out, err)
	}
	again, _ := s.Seal([]byte("secret"), aad)
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	cases := []struct {
		name   string
		s      *Sealer
		sealed []byte
		aad    []byte
	}{
		{"wrong aad (key copied to another row)", s, sealed, []byte("ws/other")},
		{"no aad", s, sealed, nil},
		{"flipped nonce byte", s, flip(0), aad},
		{"flipped ciphertext byte", s, flip(12), aad},
		{"flipped tag byte", s, flip(len(sealed) - 1), aad},
		{"truncated", s, sealed[:len(sealed)-1], aad},
		{"shorter than nonce+tag", s, sealed[:20], aad},
		{"empty", s, nil, aad},
		{"other master key", other, sealed, aad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.s.Open(tc.sealed, tc.aad); !errors.Is(err, ErrSealed) {
				t.Fatalf("err = %v, want ErrSealed", err)
			}
		})
	}
}
