package console

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/masterkey"
)

func testSessions(t *testing.T, key byte, now *time.Time) *Sessions {
	t.Helper()
	sealer, err := masterkey.NewSealer(bytes.Repeat([]byte{key}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &Sessions{Sealer: sealer, Now: func() time.Time { return *now }, Random: rand.Reader}
}

func TestSessionRoundTripAndExpiry(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	s := testSessions(t, 1, &now)
	started, value, err := s.Start("tok1", "ops", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Open(value)
	if err != nil || got.TokenID != "tok1" || got.Name != "ops" || got.CSRF != started.CSRF || len(got.CSRF) < 32 {
		t.Fatalf("Open = %+v, %v; want the session started", got, err)
	}
	now = now.Add(SessionTTL - time.Second)
	if _, err := s.Open(value); err != nil {
		t.Fatalf("a session a second before it ends: %v", err)
	}
	now = now.Add(time.Second)
	if _, err := s.Open(value); !errors.Is(err, ErrNoSession) {
		t.Fatalf("an expired session opened: %v", err)
	}
}

func TestSessionRefusesForgedCookies(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	s := testSessions(t, 1, &now)
	_, value, err := s.Start("tok1", "ops", "")
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(value)
	flipped[len(flipped)/2] ^= 1
	otherKey := testSessions(t, 2, &now)
	for name, v := range map[string]string{
		"empty": "", "not base64": "!!!", "short": "AAAA", "tampered": string(flipped),
	} {
		if _, err := s.Open(v); !errors.Is(err, ErrNoSession) {
			t.Errorf("%s cookie opened: %v", name, err)
		}
	}
	if _, err := otherKey.Open(value); !errors.Is(err, ErrNoSession) {
		t.Errorf("a session sealed under another master key opened: %v", err)
	}
	// A value sealed under the same key for another purpose is no session.
	sealed, _ := s.Sealer.Seal([]byte(`{"tid":"x","csrf":"y","exp":"2099-01-01T00:00:00Z"}`), []byte("another purpose"))
	if _, err := s.Open(base64.RawURLEncoding.EncodeToString(sealed)); !errors.Is(err, ErrNoSession) {
		t.Errorf("a value sealed for another purpose opened as a session: %v", err)
	}
}

func TestValidCSRF(t *testing.T) {
	now := time.Now()
	s := testSessions(t, 1, &now)
	a, _, _ := s.Start("tok1", "ops", "")
	b, _, _ := s.Start("tok1", "ops", "")
	if !a.ValidCSRF(a.CSRF) {
		t.Error("the session's own token refused")
	}
	if a.ValidCSRF(b.CSRF) {
		t.Error("another session's token accepted")
	}
	if a.ValidCSRF("") || (Session{}).ValidCSRF("") {
		t.Error("an empty token accepted")
	}
}
