package oauth

import (
	"encoding/hex"
	"testing"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/masterkey"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// knownPairwise is keyed as a server with master key bytes 0..31 is
// (masterkey's known-answer test pins that derivation).
func knownPairwise(t *testing.T) *PairwiseSubjects {
	t.Helper()
	key, err := hex.DecodeString("7b64ee9696fedc105f6ab32062808d11242a02d3f589bd7b4ed480e7c462584d")
	if err != nil {
		t.Fatal(err)
	}
	return NewPairwiseSubjects(key)
}

// TestPairwiseSubjectKnownAnswer pins the computation: clients keep the
// sub they know a user by, so a change to it would make every user of
// every pairwise client a stranger. The value was computed independently
// with Python's hmac over "default\0app.example\0user-1".
func TestPairwiseSubjectKnownAnswer(t *testing.T) {
	if got := knownPairwise(t).Subject("default", "app.example", "user-1"); got != "BEkuf3nl-k_BipGqBK7zLUoMau9qWbHzkGD3HlZ-634" {
		t.Fatalf("Subject = %s; the pairwise computation changed", got)
	}
}

// TestPairwiseSubjectSeparates: OIDC Core §8.1 — one sub per sector and
// user, stable, and a different one wherever the sector, the user, the
// workspace (issuer) or the key differs.
func TestPairwiseSubjectSeparates(t *testing.T) {
	p := knownPairwise(t)
	base := p.Subject("default", "app.example", "user-1")
	if again := NewPairwiseSubjects(masterkey.Derive(knownMaster(), masterkey.PurposePairwiseSubject)).Subject("default", "app.example", "user-1"); again != base {
		t.Fatalf("a second computation from the same master key gave %s, then %s", base, again)
	}
	for _, tc := range []struct {
		name string
		sub  string
	}{
		{"another sector", p.Subject("default", "other.example", "user-1")},
		{"another user", p.Subject("default", "app.example", "user-2")},
		{"another workspace", p.Subject("staging", "app.example", "user-1")},
		{"another key", NewPairwiseSubjects(make([]byte, 32)).Subject("default", "app.example", "user-1")},
		// The separators keep fields from sliding into each other.
		{"a sector ending where the user begins", p.Subject("default", "app.example\x00user", "-1")},
		{"the local id itself", "user-1"},
	} {
		if tc.sub == base {
			t.Errorf("%s: same sub %s", tc.name, base)
		}
	}
}

func knownMaster() []byte {
	m := make([]byte, masterkey.Size)
	for i := range m {
		m[i] = byte(i)
	}
	return m
}

// TestSubjectFor: the one mapping every sub a client is shown goes
// through. A public client sees the local id; pairwise clients of one
// sector see one sub, of another sector another; a client's own id (its
// client_credentials tokens' sub) is never mapped; and a pairwise client
// the server cannot compute a sub for gets an error, never the local id.
func TestSubjectFor(t *testing.T) {
	ws := workspace.Workspace{Name: "default"}
	s := &Service{Flow: &Flow{Pairwise: knownPairwise(t)}}
	pairwise := func(id string, redirects ...string) client.Client {
		return client.Client{ID: id, Metadata: client.Metadata{SubjectType: client.SubjectTypePairwise, RedirectURIs: redirects}}
	}
	a1 := pairwise("a1", "https://a.example/cb")
	a2 := pairwise("a2", "https://a.example:8443/other")
	b := pairwise("b", "https://b.example/cb")
	public := client.Client{ID: "p", Metadata: client.Metadata{SubjectType: client.SubjectTypePublic, RedirectURIs: []string{"https://a.example/cb"}}}
	sub := func(cl client.Client, local string) string {
		t.Helper()
		got, err := s.subjectFor(ws, cl, local)
		if err != nil {
			t.Fatalf("%s: %v", cl.ID, err)
		}
		return got
	}
	if got := sub(public, "user-1"); got != "user-1" {
		t.Fatalf("public client: sub %q, want the local id", got)
	}
	if got, want := sub(a1, "user-1"), knownPairwise(t).Subject("default", "a.example", "user-1"); got != want {
		t.Fatalf("pairwise client: sub %q, want %q", got, want)
	}
	if sub(a1, "user-1") != sub(a2, "user-1") {
		t.Fatal("two clients of one sector see the user under different subs")
	}
	if sub(a1, "user-1") == sub(b, "user-1") {
		t.Fatal("clients of two sectors see the user under one sub")
	}
	if got := sub(a1, "a1"); got != "a1" {
		t.Fatalf("the client's own id became %q", got)
	}
	noSector := pairwise("n")
	if got, err := s.subjectFor(ws, noSector, "user-1"); err == nil {
		t.Fatalf("a pairwise client without a sector was shown %q", got)
	}
	if got, err := (&Service{Flow: &Flow{}}).subjectFor(ws, a1, "user-1"); err == nil {
		t.Fatalf("without a key, a pairwise client was shown %q", got)
	}
}
