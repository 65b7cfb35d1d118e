// Package storetest is the one conformance suite every store backend
// passes. Run calls each case on a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// Run runs every case; open returns a fresh empty store (closed by the caller's cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"WorkspaceRoundTrip", testWorkspaceRoundTrip},
		{"BootstrapClaimedOnce", testBootstrapClaimedOnce},
		{"ClientRoundTripEveryField", testClientRoundTrip},
		{"SealedClientSecretKeptAndCleared", testSealedSecret},
		{"ClientNotFoundAndConflict", testClientNotFoundAndConflict},
		{"ClientReadsAreFreshAndOwned", testClientReadsAreFreshAndOwned},
		{"CachedClientSeesOwnChangesAtOnce", testCachedClientSeesOwnChangesAtOnce},
		{"UpdaterErrorChangesNothing", testUpdaterError},
		{"ConcurrentUpdatesNeverLost", testConcurrentUpdates},
		{"ListClientsPagingStable", testListPaging},
		{"DeleteClientRemovesTokens", testDeleteClient},
		{"ManageClientCommitsWithItsEvent", testManageClient},
		{"ManageDeleteRacesRotation", testManageDeleteRacesRotation},
		{"KeysRotateRetiresSameAlg", testKeys},
		{"KeysRetireAtAScheduledInstant", testKeysScheduledRetirement},
		{"TokenRoundTripEveryField", testTokenRoundTrip},
		{"TokenRevocationIdempotentAndUpserting", testRevoke},
		{"ClientWithTokenRecordInOneRead", testClientWithTokenRecord},
		{"ClientWithTokenByHashInOneRead", testClientWithTokenByHash},
		{"TimesRoundTripUTCMicroseconds", testTimes},
		{"ExpiredTokensCollected", testExpired},
		{"InitialAccessTokenUsesAreAtomic", testIATConcurrent},
		{"InitialAccessTokenRefusedWhenExpiredOrRevoked", testIATRefusedWhenExpiredOrRevoked},
		{"AccessTokenConsumedOnce", testAccessTokenConsumedOnce},
		{"RegistrationReplayKeptOncePerKeyForItsTime", testRegistrationReplay},
		{"AuthCodeUsedOnce", testAuthCode},
		{"AuthCodeReadChangesNothing", testAuthCodeRead},
		{"AuthCodeKeptWhenItsTokensFail", testAuthCodeTokenConflict},
		{"ConcurrentWritesFailAlone", testConcurrentWritesFailAlone},
		{"RefreshRotationDetectsReuse", testRefreshRotation},
		{"KeptRefreshTokenMovesItsExpiry", testKeepRefreshToken},
		{"UsersSessionsConsents", testUsers},
		{"PasswordChangeEndsSignIns", testPasswordChangeEndsSignIns},
		{"SessionNeedsTheVerifiedPassword", testSessionNeedsTheVerifiedPassword},
		{"CodeNeedsItsSession", testCodeNeedsItsSession},
		{"LoginFailuresCounted", testLoginFailures},
		{"LoginGateClaimedOnce", testLoginGate},
		{"AccountLockCountsConsecutiveFailures", testAccountLock},
		{"RequestUsedOnce", testRequestUsedOnce},
		{"RequestUsedReadsWithoutUsing", testRequestUsedReads},
		{"AuditEventsNewestFirst", testAudit},
		{"AuditEventsPrunedBefore", testAuditPrunedBefore},
		{"ClientQuotaRefusesAndWritesNothing", testClientQuota},
		{"UnusedClientsExpire", testUnusedClientsExpire},
		{"DisabledClientRoundTrip", testDisabledRoundTrip},
		{"SearchClientsFiltersAndPages", testSearchClients},
		{"SearchAuditEventsFiltersAndPages", testSearchAuditEvents},
		{"AdminTokensByHashRevokedTouched", testAdminTokens},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var ctx = context.Background()

// t0 is a fixed instant, already UTC and truncated to the microsecond.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

func mustWorkspace(t *testing.T, s store.Store, name string) {
	t.Helper()
	if err := s.CreateWorkspace(ctx, workspace.Workspace{Name: name, Settings: workspace.DefaultSettings(), CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

// testClientReadsAreFreshAndOwned: each read sees the latest update, and
// changing what one read returned changes nothing another read returns.
func testClientReadsAreFreshAndOwned(t *testing.T, s store.Store) {
	want := sampleClient("w", "c1")
	if err := s.CreateClient(ctx, want); err != nil {
		t.Fatal(err)
	}
	first, err := s.ClientByID(ctx, "w", "c1")
	if err != nil {
		t.Fatal(err)
	}
	first.Metadata.RedirectURIs[0] = "https://evil.example/cb"
	first.Metadata.Localized["client_name#fr"] = "changed"
	*first.Metadata.DefaultMaxAge = 1
	again, err := s.ClientByID(ctx, "w", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want.Metadata, again.Metadata); d != "" {
		t.Fatalf("changing one read's metadata changed the next read:\n%s", d)
	}
	if _, err := s.UpdateClient(ctx, "w", "c1", func(c *client.Client) error {
		c.Metadata.ClientName = "Renamed"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClientByID(ctx, "w", "c1"); got.Metadata.ClientName != "Renamed" {
		t.Fatalf("a read after an update sees %q", got.Metadata.ClientName)
	}
}

func sampleClient(ws, id string) client.Client {
	age := int64(300)
	return client.Client{
		Workspace: ws, ID: id, SecretHash: []byte{1, 2, 3}, SecretExpiresAt: t0.Add(time.Hour),
		IssuedAt: t0, UpdatedAt: t0, Version: 1,
		Metadata: client.Metadata{
			RedirectURIs: []string{"https://a.example/cb"}, TokenEndpointAuthMethod: "client_secret_post",
			GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
			ClientName: "App", Scope: "openid profile", Contacts: []string{"ops@a.example"},
			JWKS: []byte(`{"keys":[]}`), SoftwareID: "sw", ApplicationType: "web", SubjectType: "public",
			IDTokenSignedResponseAlg: "ES256", DefaultMaxAge: &age, RequireAuthTime: true,
			PostLogoutRedirectURIs: []string{"https://a.example/bye"}, Localized: map[string]string{"client_name#fr": "Appli"},
			AccessTokenLifetime: 60,
		},
		Provenance:            client.Provenance{Origin: client.OriginDCR, InitialAccessTokenID: "iat1", SoftwareID: "sw", RegisteredAt: t0},
		RegistrationTokenHash: []byte{9, 9}, RegistrationTokenExpiresAt: t0.Add(24 * time.Hour),
	}
}

func testWorkspaceRoundTrip(t *testing.T, s store.Store) {
	mustWorkspace(t, s, "default")
	got, err := s.WorkspaceByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	want := workspace.Workspace{Name: "default", Settings: workspace.DefaultSettings(), CreatedAt: t0, UpdatedAt: t0}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatal(d)
	}
	if err := s.CreateWorkspace(ctx, want); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate workspace: %v", err)
	}
	if _, err := s.WorkspaceByName(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing workspace: %v", err)
	}
	settings := want.Settings
	settings.AccessTokenFormat = workspace.FormatOpaque
	if err := s.UpdateWorkspaceSettings(ctx, "default", settings, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.WorkspaceByName(ctx, "default"); got.Settings.AccessTokenFormat != workspace.FormatOpaque || !got.UpdatedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("settings not updated: %+v", got)
	}
	if err := s.UpdateWorkspaceSettings(ctx, "nope", settings, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
}

func testBootstrapClaimedOnce(t *testing.T, s store.Store) {
	mustWorkspace(t, s, "default")
	ok, errs := race(8, func(int) error {
		won, err := s.ClaimBootstrap(ctx, "default", t0)
		if err == nil && !won {
			err = store.ErrConflict
		}
		return err
	})
	if ok != 1 {
		t.Fatalf("%d concurrent bootstrap claims won; want 1 (errors %v)", ok, errs)
	}
	for _, err := range errs {
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("unexpected error %v", err)
		}
	}
	if _, err := s.ClaimBootstrap(ctx, "nope", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("claim on a missing workspace: %v", err)
	}
}

func testClientRoundTrip(t *testing.T, s store.Store) {
	c := sampleClient("w", "c1")
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClientByID(ctx, "w", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c, got); d != "" {
		t.Fatal(d)
	}
	public := client.Client{Workspace: "w", ID: "pub", IssuedAt: t0, UpdatedAt: t0, Version: 1, Provenance: client.Provenance{Origin: "cli"}}
	if err := s.CreateClient(ctx, public); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ClientByID(ctx, "w", "pub")
	if got.SecretHash != nil || !got.SecretExpiresAt.IsZero() {
		t.Fatalf("absent secret did not round-trip as absent: %+v", got)
	}
}

// testSealedSecret: a client_secret_jwt client's sealed secret is kept
// as written, through every read and an update, and an update can clear
// it; a client without one reads none.
func testSealedSecret(t *testing.T, s store.Store) {
	c := sampleClient("w", "jwt")
	c.SealedSecret = []byte("sealed bytes")
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClientByID(ctx, "w", "jwt"); err != nil || string(got.SealedSecret) != "sealed bytes" {
		t.Fatalf("read %q, %v; want the sealed secret", got.SealedSecret, err)
	}
	if got, _, err := s.ClientWithTokenRecord(ctx, "w", "jwt", "no-such-jti"); err != nil || string(got.SealedSecret) != "sealed bytes" {
		t.Fatalf("read with a token record: %q, %v; want the sealed secret", got.SealedSecret, err)
	}
	if got, err := s.UpdateClient(ctx, "w", "jwt", func(c *client.Client) error { c.Metadata.ClientName = "Renamed"; return nil }); err != nil || string(got.SealedSecret) != "sealed bytes" {
		t.Fatalf("after an update: %q, %v; want the sealed secret kept", got.SealedSecret, err)
	}
	if _, err := s.UpdateClient(ctx, "w", "jwt", func(c *client.Client) error { c.SealedSecret = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClientByID(ctx, "w", "jwt"); got.SealedSecret != nil {
		t.Fatalf("cleared sealed secret reads %q", got.SealedSecret)
	}
	if err := s.CreateClient(ctx, sampleClient("w", "plain")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClientByID(ctx, "w", "plain"); got.SealedSecret != nil {
		t.Fatalf("a client without a sealed secret reads %q", got.SealedSecret)
	}
}

func testClientNotFoundAndConflict(t *testing.T, s store.Store) {
	if _, err := s.ClientByID(ctx, "w", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing client: %v", err)
	}
	c := sampleClient("w", "c1")
	s.CreateClient(ctx, c)
	if err := s.CreateClient(ctx, c); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate client: %v", err)
	}
	c.Workspace = "other"
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatalf("same id in another workspace: %v", err)
	}
	if _, err := s.ClientByID(ctx, "w2", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("client visible from another workspace")
	}
}

func testUpdaterError(t *testing.T, s store.Store) {
	c := sampleClient("w", "c1")
	s.CreateClient(ctx, c)
	boom := errors.New("boom")
	_, err := s.UpdateClient(ctx, "w", "c1", func(cl *client.Client) error {
		cl.Metadata.ClientName = "changed"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the updater's error", err)
	}
	got, _ := s.ClientByID(ctx, "w", "c1")
	if d := cmp.Diff(c, got); d != "" {
		t.Fatalf("failed update changed the record: %s", d)
	}
	if _, err := s.UpdateClient(ctx, "w", "missing", func(*client.Client) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of missing client: %v", err)
	}
}

func testConcurrentUpdates(t *testing.T, s store.Store) {
	s.CreateClient(ctx, sampleClient("w", "c1"))
	var wg sync.WaitGroup
	var ok atomic.Int64
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateClient(ctx, "w", "c1", func(cl *client.Client) error {
				cl.Metadata.Contacts = append(cl.Metadata.Contacts, "x")
				return nil
			})
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	// A store that refused every update would lose none either.
	if ok.Load() == 0 {
		t.Fatal("none of the concurrent updates succeeded")
	}
	got, _ := s.ClientByID(ctx, "w", "c1")
	if got.Version != 1+ok.Load() || int64(len(got.Metadata.Contacts)) != 1+ok.Load() {
		t.Fatalf("version %d, contacts %d, successes %d: an update was lost", got.Version, len(got.Metadata.Contacts), ok.Load())
	}
}

func testListPaging(t *testing.T, s store.Store) {
	for i := 0; i < 5; i++ {
		c := sampleClient("w", fmt.Sprintf("c%d", i))
		c.IssuedAt = t0.Add(time.Duration(i) * time.Second)
		s.CreateClient(ctx, c)
	}
	first, err := s.ListClients(ctx, "w", store.Page{Limit: 2})
	if err != nil || len(first) != 2 || first[0].ID != "c0" {
		t.Fatalf("first page: %v %v", ids(first), err)
	}
	newer := sampleClient("w", "a-newest")
	newer.IssuedAt = t0.Add(time.Hour)
	s.CreateClient(ctx, newer)
	second, _ := s.ListClients(ctx, "w", store.Page{After: first[1].ID, Limit: 2})
	if d := cmp.Diff([]string{"c2", "c3"}, ids(second)); d != "" {
		t.Fatalf("second page moved under an insert: %s", d)
	}
	if n, _ := s.CountClients(ctx, "w"); n != 6 {
		t.Fatalf("count %d", n)
	}
}

func ids(cs []client.Client) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func sampleToken(id string, hash []byte) store.Token {
	return store.Token{Workspace: "w", ID: id, Kind: store.KindAccess, Format: workspace.FormatOpaque, Hash: hash,
		ClientID: "c1", Subject: "s", Scope: "a b", Audience: []string{"https://api"}, GrantID: "g1",
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
}

func testDeleteClient(t *testing.T, s store.Store) {
	s.CreateClient(ctx, sampleClient("w", "c1"))
	s.CreateToken(ctx, sampleToken("t1", []byte("h1")))
	if err := s.DeleteClient(ctx, "w", "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByID(ctx, "w", "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("token of a deleted client survived")
	}
	if err := s.DeleteClient(ctx, "w", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func key(kid, alg string) store.SigningKey {
	return store.SigningKey{Workspace: "w", KID: kid, Alg: alg, PrivateKeyEncrypted: []byte("sealed"), PublicJWK: []byte(`{"kid":"` + kid + `"}`), CreatedAt: t0}
}

func testKeys(t *testing.T, s store.Store) {
	if err := s.RotateKeys(ctx, "w", []store.SigningKey{key("e1", "ES256"), key("r1", "RS256")}, t0, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	k2 := key("e2", "ES256")
	k2.CreatedAt = t0.Add(time.Minute)
	if err := s.RotateKeys(ctx, "w", []store.SigningKey{k2}, t0.Add(time.Minute), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	keys, _ := s.KeysByWorkspace(ctx, "w", t0.Add(2*time.Minute))
	state := map[string]bool{}
	for _, k := range keys {
		state[k.KID] = k.RetiredAt.IsZero()
	}
	if d := cmp.Diff(map[string]bool{"e1": false, "e2": true, "r1": true}, state); d != "" {
		t.Fatalf("active state after rotating ES256 only: %s", d)
	}
	later, _ := s.KeysByWorkspace(ctx, "w", t0.Add(2*time.Hour))
	if len(later) != 2 {
		t.Fatalf("retired key past publish_until still listed: %d keys", len(later))
	}
	if err := s.RotateKeys(ctx, "w", []store.SigningKey{k2}, t0, t0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate kid: %v", err)
	}
}

// testKeysScheduledRetirement: a rotation retires the old key at a later
// instant (when the new one starts signing, keyring.Ring.Rotate). The
// store keeps that instant as given, lists both keys meanwhile, and a
// second rotation before then retires only the key then active.
func testKeysScheduledRetirement(t *testing.T, s store.Store) {
	if err := s.RotateKeys(ctx, "w", []store.SigningKey{key("e1", "ES256")}, t0, t0); err != nil {
		t.Fatal(err)
	}
	switch1, switch2 := t0.Add(90*time.Second), t0.Add(120*time.Second)
	if err := s.RotateKeys(ctx, "w", []store.SigningKey{key("e2", "ES256")}, switch1, switch1.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RotateKeys(ctx, "w", []store.SigningKey{key("e3", "ES256")}, switch2, switch2.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	keys, err := s.KeysByWorkspace(ctx, "w", t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	retired := map[string]time.Time{}
	for _, k := range keys {
		retired[k.KID] = k.RetiredAt
	}
	if d := cmp.Diff(map[string]time.Time{"e1": switch1, "e2": switch2, "e3": {}}, retired); d != "" {
		t.Fatalf("retired_at after two scheduled rotations (-want +got):\n%s", d)
	}
}

// sampleRefreshToken is a refresh token with every field set.
func sampleRefreshToken(id string, hash []byte) store.Token {
	r := sampleToken(id, hash)
	r.Kind = store.KindRefresh
	r.AuthTime = t0.Add(-time.Hour)
	r.GrantExpiresAt = t0.Add(24 * time.Hour)
	r.CertThumbprint = "x5t-of-the-client-certificate"
	return r
}

// testTokenRoundTrip: what is stored is what is read, by hash and by id,
// and zero times (no auth_time on an access token record) stay zero.
func testTokenRoundTrip(t *testing.T, s store.Store) {
	refresh := sampleRefreshToken("r1", []byte("rh1"))
	access := sampleToken("a1", []byte("ah1"))
	for _, want := range []store.Token{refresh, access} {
		if err := s.CreateToken(ctx, want); err != nil {
			t.Fatal(err)
		}
		byHash, err := s.TokenByHash(ctx, "w", want.Hash)
		if d := cmp.Diff(want, byHash); err != nil || d != "" {
			t.Fatalf("TokenByHash(%s) %v (-want +got):\n%s", want.ID, err, d)
		}
		byID, err := s.TokenByID(ctx, "w", want.ID)
		if d := cmp.Diff(want, byID); err != nil || d != "" {
			t.Fatalf("TokenByID(%s) %v (-want +got):\n%s", want.ID, err, d)
		}
	}
}

func testRevoke(t *testing.T, s store.Store) {
	s.CreateToken(ctx, sampleToken("t1", []byte("h1")))
	if err := s.RevokeToken(ctx, "w", "t1", t0.Add(time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	s.RevokeToken(ctx, "w", "t1", t0.Add(time.Hour), nil)
	got, _ := s.TokenByHash(ctx, "w", []byte("h1"))
	if !got.RevokedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("revocation time not kept: %v", got.RevokedAt)
	}
	if err := s.RevokeToken(ctx, "w", "nope", t0, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking a missing token without a record: %v", err)
	}
	jwt := sampleToken("jti1", nil)
	jwt.Format = workspace.FormatJWT
	if err := s.RevokeToken(ctx, "w", "jti1", t0, &jwt); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "w", "jti1", t0.Add(time.Hour), &jwt); err != nil {
		t.Fatal(err)
	}
	got, err := s.TokenByID(ctx, "w", "jti1")
	if err != nil || !got.RevokedAt.Equal(t0) || got.Hash != nil {
		t.Fatalf("JWT revocation record: %+v %v", got, err)
	}
	if n, _ := s.RevokeGrant(ctx, "w", "g1", t0); n != 0 {
		t.Fatalf("RevokeGrant touched %d already-revoked tokens", n)
	}
	if err := s.CreateToken(ctx, sampleToken("t2", []byte("h1"))); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate hash: %v", err)
	}
}

// testClientWithTokenRecord: the combined read tells a missing record, a
// live one and a revoked one apart, gives the subject the record was
// stored with, and never reads across workspaces.
func testClientWithTokenRecord(t *testing.T, s store.Store) {
	mustWorkspace(t, s, "w2")
	s.CreateClient(ctx, sampleClient("w", "c1"))
	s.CreateClient(ctx, sampleClient("w2", "c1"))
	s.CreateToken(ctx, sampleToken("live", []byte("h1")))
	s.CreateToken(ctx, sampleToken("gone", []byte("h2")))
	s.RevokeToken(ctx, "w", "gone", t0.Add(time.Minute), nil)
	for _, tc := range []struct {
		ws, token string
		want      store.TokenRecord
	}{
		{"w", "live", store.TokenRecord{Exists: true, Subject: "s"}},
		{"w", "gone", store.TokenRecord{Exists: true, RevokedAt: t0.Add(time.Minute), Subject: "s"}},
		{"w", "never", store.TokenRecord{}},
		{"w2", "live", store.TokenRecord{}},
	} {
		c, rec, err := s.ClientWithTokenRecord(ctx, tc.ws, "c1", tc.token)
		if err != nil || c.Workspace != tc.ws || c.ID != "c1" || c.Metadata.ClientName != "App" {
			t.Fatalf("%s/%s: client %+v, %v", tc.ws, tc.token, c, err)
		}
		if rec.Exists != tc.want.Exists || !rec.RevokedAt.Equal(tc.want.RevokedAt) || rec.Subject != tc.want.Subject {
			t.Fatalf("%s/%s: record %+v, want %+v", tc.ws, tc.token, rec, tc.want)
		}
	}
	if _, _, err := s.ClientWithTokenRecord(ctx, "w", "nobody", "live"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing client: %v", err)
	}
}

// testClientWithTokenByHash: the joined read returns the whole token, as
// TokenByHash does, tells a missing one apart, and stays in its workspace.
func testClientWithTokenByHash(t *testing.T, s store.Store) {
	mustWorkspace(t, s, "w2")
	s.CreateClient(ctx, sampleClient("w", "c1"))
	s.CreateClient(ctx, sampleClient("w2", "c1"))
	want := sampleToken("t1", []byte("h1"))
	want.AuthTime, want.GrantExpiresAt = t0.Add(-time.Minute), t0.Add(2*time.Hour)
	want.CertThumbprint = "x5t-of-the-client-certificate"
	if err := s.CreateToken(ctx, want); err != nil {
		t.Fatal(err)
	}
	c, got, found, err := s.ClientWithTokenByHash(ctx, "w", "c1", []byte("h1"))
	if err != nil || !found || c.ID != "c1" || c.Metadata.ClientName != "App" {
		t.Fatalf("client %+v, found %v, %v", c, found, err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("token (-want +got):\n%s", d)
	}
	// The join must not filter by client: revocation tells another
	// client's token (RFC 7009 §2.1: unauthorized_client) from none.
	theirs := sampleToken("t2", []byte("h2"))
	theirs.ClientID = "c2"
	s.CreateToken(ctx, theirs)
	if c, got, found, err := s.ClientWithTokenByHash(ctx, "w", "c1", []byte("h2")); err != nil || !found || c.ID != "c1" || got.ClientID != "c2" {
		t.Fatalf("another client's token read with c1: client %s, token %+v, found %v, %v", c.ID, got, found, err)
	}
	for _, tc := range []struct {
		ws   string
		hash []byte
	}{{"w", []byte("nope")}, {"w2", []byte("h1")}} {
		c, got, found, err := s.ClientWithTokenByHash(ctx, tc.ws, "c1", tc.hash)
		if err != nil || found || c.Workspace != tc.ws || got.ID != "" {
			t.Fatalf("%s/%s: client %s/%s, token %+v, found %v, %v", tc.ws, tc.hash, c.Workspace, c.ID, got, found, err)
		}
	}
	if _, _, _, err := s.ClientWithTokenByHash(ctx, "w", "nobody", []byte("h1")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing client: %v", err)
	}
}

func testTimes(t *testing.T, s store.Store) {
	zone := time.FixedZone("UTC+5", 5*3600)
	local := time.Date(2026, 7, 1, 12, 0, 0, 987654321, zone)
	c := sampleClient("w", "c1")
	c.IssuedAt = local
	s.CreateClient(ctx, c)
	got, _ := s.ClientByID(ctx, "w", "c1")
	want := local.UTC().Truncate(time.Microsecond)
	if got.IssuedAt != want || got.IssuedAt.Location() != time.UTC {
		t.Fatalf("IssuedAt %v (%v), want %v in UTC", got.IssuedAt, got.IssuedAt.Location(), want)
	}
}

func testExpired(t *testing.T, s store.Store) {
	old := sampleToken("old", []byte("h-old"))
	old.ExpiresAt = t0
	s.CreateToken(ctx, old)
	s.CreateToken(ctx, sampleToken("fresh", []byte("h-fresh")))
	n, err := s.DeleteExpiredTokens(ctx, t0.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("collected %d, %v", n, err)
	}
	if _, err := s.TokenByID(ctx, "w", "fresh"); err != nil {
		t.Fatal("an unexpired token was collected")
	}
}

// race runs fn from n goroutines at once and counts successes.
func race(n int, fn func(i int) error) (ok int64, errs []error) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var count atomic.Int64
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := fn(i); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			count.Add(1)
		}()
	}
	close(start)
	wg.Wait()
	return count.Load(), errs
}

func testIATConcurrent(t *testing.T, s store.Store) {
	iat := store.InitialAccessToken{Workspace: "w", ID: "iat1", Hash: []byte("ih"), MaxUses: 3, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateInitialAccessToken(ctx, iat); err != nil {
		t.Fatal(err)
	}
	use := store.CredentialUse{Kind: store.CredentialInitialAccessToken, ID: "iat1", At: t0.Add(time.Minute)}
	ok, errs := race(10, func(i int) error {
		return registerWith(s, fmt.Sprintf("c%d", i), use)
	})
	if ok != 3 {
		t.Fatalf("%d registrations with a 3-use token (errors %v)", ok, errs)
	}
	for _, err := range errs {
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("unexpected error %v", err)
		}
	}
	if n, _ := s.CountClients(ctx, "w"); n != 3 {
		t.Fatalf("%d clients stored, want 3: a refused registration left a client", n)
	}
	got, _ := s.InitialAccessTokenByHash(ctx, "w", []byte("ih"))
	if got.Uses != 3 {
		t.Fatalf("uses %d", got.Uses)
	}
}

// registerWith registers a new client id of w with the credential use.
func registerWith(s store.Store, id string, use store.CredentialUse) error {
	return s.RegisterClient(ctx, sampleClient("w", id), use, store.AuditEvent{Workspace: "w", ID: id, At: t0, Action: "register", Outcome: "accepted"}, 0)
}

// testIATRefusedWhenExpiredOrRevoked: an unlimited, unspent initial access
// token is refused past its expiry and once revoked, and for that reason
// alone: the same token (or its unrevoked twin) still works at a time it
// is valid. A refusal counts no use and stores no client.
func testIATRefusedWhenExpiredOrRevoked(t *testing.T, s store.Store) {
	for _, id := range []string{"expiring", "revoked", "twin"} {
		iat := store.InitialAccessToken{Workspace: "w", ID: id, Hash: []byte("ih-" + id), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.CreateInitialAccessToken(ctx, iat); err != nil {
			t.Fatal(err)
		}
	}
	use := func(id string, at time.Time) store.CredentialUse {
		return store.CredentialUse{Kind: store.CredentialInitialAccessToken, ID: id, At: at}
	}
	if err := registerWith(s, "late", use("expiring", t0.Add(time.Hour))); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an unspent token used at its expiry: %v, want ErrConflict", err)
	}
	if err := registerWith(s, "in-time", use("expiring", t0.Add(time.Hour-time.Microsecond))); err != nil {
		t.Fatalf("the same token just before its expiry: %v", err)
	}
	if err := s.RevokeInitialAccessToken(ctx, "w", "revoked", t0); err != nil {
		t.Fatal(err)
	}
	if err := registerWith(s, "after-revoke", use("revoked", t0.Add(time.Minute))); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an unspent revoked token used: %v, want ErrConflict", err)
	}
	if err := registerWith(s, "twin", use("twin", t0.Add(time.Minute))); err != nil {
		t.Fatalf("the unrevoked twin of the revoked token: %v", err)
	}
	for _, c := range []struct {
		id   string
		uses int
	}{{"expiring", 1}, {"revoked", 0}, {"twin", 1}} {
		got, err := s.InitialAccessTokenByHash(ctx, "w", []byte("ih-"+c.id))
		if err != nil || got.Uses != c.uses {
			t.Fatalf("token %s counts %d uses (%v), want %d", c.id, got.Uses, err, c.uses)
		}
	}
	for _, id := range []string{"late", "after-revoke"} {
		if _, err := s.ClientByID(ctx, "w", id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused registration stored client %s: %v", id, err)
		}
	}
	if err := s.RevokeInitialAccessToken(ctx, "w", "nope", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking a missing token: %v, want ErrNotFound", err)
	}
}

// testRegistrationReplay: a replayable registration keeps its replay with
// the client; a second one under the same unexpired key writes nothing and
// is ErrConflict; once expired, the key is free again.
func testRegistrationReplay(t *testing.T, s store.Store) {
	none := store.CredentialUse{Kind: store.CredentialNone, At: t0}
	r := store.Replay{Workspace: "w", KeyHash: []byte("k"), RequestHash: []byte("rq"), Response: []byte("sealed"), ExpiresAt: t0.Add(time.Hour)}
	if err := s.RegisterClientReplayable(ctx, sampleClient("w", "first"), none, store.AuditEvent{Workspace: "w", ID: "1", At: t0}, 0, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Replay(ctx, "w", []byte("k"), t0.Add(time.Minute))
	if err != nil || string(got.RequestHash) != "rq" || string(got.Response) != "sealed" || !got.ExpiresAt.Equal(r.ExpiresAt) {
		t.Fatalf("kept replay: %+v, %v", got, err)
	}
	if _, err := s.Replay(ctx, "other", []byte("k"), t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another workspace's replay found: %v", err)
	}
	if _, err := s.Replay(ctx, "w", []byte("k"), r.ExpiresAt); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired replay found: %v", err)
	}
	again := r
	again.RequestHash = []byte("other")
	if err := s.RegisterClientReplayable(ctx, sampleClient("w", "second"), none, store.AuditEvent{Workspace: "w", ID: "2", At: t0.Add(time.Minute)}, 0, again); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second registration under a kept key: %v; want ErrConflict", err)
	}
	if _, err := s.ClientByID(ctx, "w", "second"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused registration stored its client: %v", err)
	}
	again.ExpiresAt = r.ExpiresAt.Add(time.Hour)
	if err := s.RegisterClientReplayable(ctx, sampleClient("w", "third"), none, store.AuditEvent{Workspace: "w", ID: "3", At: r.ExpiresAt}, 0, again); err != nil {
		t.Fatalf("the key once its replay expired: %v", err)
	}
	if got, err := s.Replay(ctx, "w", []byte("k"), r.ExpiresAt); err != nil || string(got.RequestHash) != "other" {
		t.Fatalf("replay after reuse: %+v, %v", got, err)
	}
	// Collection removes expired answers: the key then takes a
	// registration dated before the collected answer's expiry, which the
	// row, had it stayed, would refuse.
	if _, err := s.DeleteExpiredTokens(ctx, again.ExpiresAt.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.RegisterClientReplayable(ctx, sampleClient("w", "fourth"), none, store.AuditEvent{Workspace: "w", ID: "4", At: r.ExpiresAt}, 0, again); err != nil {
		t.Fatalf("the key after its expired answer was collected: %v", err)
	}
}

func testAccessTokenConsumedOnce(t *testing.T, s store.Store) {
	jwt := sampleToken("jti", nil)
	jwt.Format = workspace.FormatJWT
	use := store.CredentialUse{Kind: store.CredentialAccessToken, ID: "jti", Token: &jwt, At: t0}
	ok, _ := race(8, func(i int) error {
		return registerWith(s, fmt.Sprintf("c%d", i), use)
	})
	if ok != 1 {
		t.Fatalf("a single-use JWT registered %d clients", ok)
	}
	s.CreateToken(ctx, sampleToken("opaque", []byte("oh")))
	opaque := store.CredentialUse{Kind: store.CredentialAccessToken, ID: "opaque", At: t0}
	ok, _ = race(8, func(i int) error {
		return registerWith(s, fmt.Sprintf("o%d", i), opaque)
	})
	if ok != 1 {
		t.Fatalf("a single-use opaque token registered %d clients", ok)
	}
	if n, _ := s.CountClients(ctx, "w"); n != 2 {
		t.Fatalf("%d clients", n)
	}
	// An unspent opaque token is refused at its expiry, and works before.
	s.CreateToken(ctx, sampleToken("expiring", []byte("eh")))
	if err := registerWith(s, "late", store.CredentialUse{Kind: store.CredentialAccessToken, ID: "expiring", At: t0.Add(time.Hour)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("an unspent access token used at its expiry: %v, want ErrConflict", err)
	}
	if err := registerWith(s, "in-time", store.CredentialUse{Kind: store.CredentialAccessToken, ID: "expiring", At: t0.Add(time.Minute)}); err != nil {
		t.Fatalf("the same token before its expiry: %v", err)
	}
}

// mustAuthCode stores a code of user u1 with every field set (hash "ch"),
// issued from a session of u1 ("s-code1", made with the user if need be),
// and returns it.
func mustAuthCode(t *testing.T, s store.Store) store.AuthCode {
	t.Helper()
	code := store.AuthCode{Workspace: "w", ID: "code1", Hash: []byte("ch"), ClientID: "c1", UserID: "u1", RedirectURI: "https://a/cb",
		Scope: "openid", Resources: []string{"https://api"}, Nonce: "n", CodeChallenge: "cc", CodeChallengeMethod: "S256",
		AuthTime: t0, AMR: []string{"pwd"}, GrantID: "g", IssuedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	if err := s.CreateAuthCode(ctx, code, mustSession(t, s, "u1", "s-code1").ID); err != nil {
		t.Fatal(err)
	}
	return code
}

// mustSession stores session id (its hash "sh-"+id) of user userID of w,
// storing the user first, with password hash "$old", if it is not there.
func mustSession(t *testing.T, s store.Store, userID, id string) store.Session {
	t.Helper()
	u, err := s.UserByID(ctx, "w", userID)
	if errors.Is(err, store.ErrNotFound) {
		u = user.User{Workspace: "w", ID: userID, Username: userID, PasswordHash: "$old", CreatedAt: t0, UpdatedAt: t0}
		err = s.CreateUser(ctx, u)
	}
	if err != nil {
		t.Fatal(err)
	}
	se := store.Session{Workspace: "w", ID: id, Hash: []byte("sh-" + id), UserID: userID, AuthTime: t0, AMR: []string{"pwd"}, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateSession(ctx, se, u.PasswordHash); err != nil {
		t.Fatal(err)
	}
	return se
}

func testAuthCode(t *testing.T, s store.Store) {
	code := mustAuthCode(t, s)
	issued := func(i int) []store.Token {
		return []store.Token{sampleToken(fmt.Sprintf("at%d", i), []byte(fmt.Sprintf("ah%d", i)))}
	}
	ok, errs := race(8, func(i int) error {
		return s.UseAuthCode(ctx, "w", []byte("ch"), t0.Add(time.Second), issued(i))
	})
	if ok != 1 {
		t.Fatalf("code redeemed %d times (%v)", ok, errs)
	}
	stored := 0
	for i := range 8 {
		if _, err := s.TokenByID(ctx, "w", fmt.Sprintf("at%d", i)); err == nil {
			stored++
		}
	}
	if stored != 1 {
		t.Fatalf("%d redemptions stored their tokens; only the winner's may be", stored)
	}
	// A replay fails with ErrConflict and changes nothing: the code keeps
	// its first use and the replay's tokens are not stored.
	if err := s.UseAuthCode(ctx, "w", []byte("ch"), t0.Add(2*time.Second), issued(9)); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("replay: %v, want ErrConflict", err)
	}
	if _, err := s.TokenByID(ctx, "w", "at9"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a replay stored its token: %v", err)
	}
	got, err := s.AuthCodeByHash(ctx, "w", []byte("ch"))
	code.UsedAt = t0.Add(time.Second)
	if d := cmp.Diff(code, got); d != "" || err != nil {
		t.Fatal(d, err)
	}
	if err := s.UseAuthCode(ctx, "w", []byte("nope"), t0, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
}

// testConcurrentWritesFailAlone: writes that arrive together may share a
// commit; the ones that fail must not take the others with them.
func testConcurrentWritesFailAlone(t *testing.T, s store.Store) {
	if err := s.CreateToken(ctx, sampleToken("first", []byte("dup"))); err != nil {
		t.Fatal(err)
	}
	const n = 32
	_, errs := race(n, func(i int) error {
		hash := []byte(fmt.Sprintf("h%d", i))
		if i%2 == 0 {
			hash = []byte("dup")
		}
		return s.CreateToken(ctx, sampleToken(fmt.Sprintf("t%d", i), hash))
	})
	for _, err := range errs {
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("a duplicate hash: %v, want ErrConflict", err)
		}
	}
	if len(errs) != n/2 {
		t.Fatalf("%d writes failed, want the %d duplicates", len(errs), n/2)
	}
	for i := 1; i < n; i += 2 {
		if _, err := s.TokenByID(ctx, "w", fmt.Sprintf("t%d", i)); err != nil {
			t.Fatalf("token t%d, written beside failing ones: %v", i, err)
		}
	}
}

// testAuthCodeTokenConflict: a token that cannot be stored leaves the code
// unused, so nothing is consumed without its tokens.
func testAuthCodeTokenConflict(t *testing.T, s store.Store) {
	mustAuthCode(t, s)
	if err := s.CreateToken(ctx, sampleToken("taken", []byte("dup"))); err != nil {
		t.Fatal(err)
	}
	if err := s.UseAuthCode(ctx, "w", []byte("ch"), t0.Add(time.Second), []store.Token{sampleToken("new", []byte("dup"))}); err == nil {
		t.Fatal("a redemption whose token collides succeeded")
	}
	got, err := s.AuthCodeByHash(ctx, "w", []byte("ch"))
	if err != nil || !got.UsedAt.IsZero() {
		t.Fatalf("the code was consumed without its tokens: %+v %v", got, err)
	}
}

func testAuthCodeRead(t *testing.T, s store.Store) {
	code := mustAuthCode(t, s)
	for range 2 {
		got, err := s.AuthCodeByHash(ctx, "w", []byte("ch"))
		if d := cmp.Diff(code, got); d != "" || err != nil {
			t.Fatal(d, err)
		}
	}
	if err := s.UseAuthCode(ctx, "w", []byte("ch"), t0.Add(time.Second), nil); err != nil {
		t.Fatalf("a read consumed the code: %v", err)
	}
	got, err := s.AuthCodeByHash(ctx, "w", []byte("ch"))
	if err != nil || !got.UsedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("a used code reads as %+v %v", got, err)
	}
	if _, err := s.AuthCodeByHash(ctx, "x", []byte("ch")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a code of another workspace: %v", err)
	}
}

func testRefreshRotation(t *testing.T, s store.Store) {
	first := sampleRefreshToken("r1", []byte("rh1"))
	s.CreateToken(ctx, first)
	next := first
	next.ID, next.Hash = "r2", []byte("rh2")
	access := sampleToken("a2", nil)
	access.Format = workspace.FormatJWT
	if err := s.RotateRefreshToken(ctx, "w", "r1", t0, []store.Token{next, access}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByID(ctx, "w", "a2"); err != nil {
		t.Fatalf("the access token issued with the rotation: %v", err)
	}
	got, err := s.TokenByHash(ctx, "w", next.Hash)
	if d := cmp.Diff(next, got); err != nil || d != "" {
		t.Fatalf("the successor refresh token %v (-want +got):\n%s", err, d)
	}
	again := first
	again.ID, again.Hash = "r3", []byte("rh3")
	if err := s.RotateRefreshToken(ctx, "w", "r1", t0, []store.Token{again}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("reuse of a rotated token: %v", err)
	}
	if _, err := s.TokenByID(ctx, "w", "r3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("a refused rotation inserted its token")
	}
	if n, _ := s.RevokeGrant(ctx, "w", "g1", t0); n != 2 {
		t.Fatalf("family revocation touched %d, want the new refresh and access tokens", n)
	}
}

// testKeepRefreshToken: a refresh token that stays gets its new expiry
// (and a grant's end, when it had none stored) with the access token's
// record; expired or revoked, it issues nothing.
func testKeepRefreshToken(t *testing.T, s store.Store) {
	first := sampleRefreshToken("r1", []byte("rh1"))
	mustCreateTokens(t, s, first)
	access := sampleToken("a2", nil)
	access.Format = workspace.FormatJWT
	keep := store.RefreshKeep{ID: "r1", At: t0, ExpiresAt: first.ExpiresAt.Add(time.Hour), GrantExpiresAt: t0.Add(48 * time.Hour)}
	if err := s.KeepRefreshToken(ctx, "w", keep, []store.Token{access}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByID(ctx, "w", "a2"); err != nil {
		t.Fatalf("the access token issued on the kept refresh token: %v", err)
	}
	got, err := s.TokenByHash(ctx, "w", first.Hash)
	if err != nil || !got.ExpiresAt.Equal(keep.ExpiresAt) || !got.RevokedAt.IsZero() || !got.GrantExpiresAt.Equal(first.GrantExpiresAt) {
		t.Fatalf("the kept refresh token reads %+v %v; want it unrevoked, expiring at %v, its grant's end unchanged", got, err, keep.ExpiresAt)
	}
	if n, err := s.RevokeGrant(ctx, "w", "g1", t0); err != nil || n != 2 {
		t.Fatalf("revoking the grant touched %d tokens (%v), want the refresh token and its access token", n, err)
	}
	refused := func(what string, keep store.RefreshKeep) {
		t.Helper()
		late := sampleToken("a3", nil)
		if err := s.KeepRefreshToken(ctx, "w", keep, []store.Token{late}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("issuing on %s refresh token: %v", what, err)
		}
		if _, err := s.TokenByID(ctx, "w", "a3"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused issue on %s refresh token inserted its access token", what)
		}
	}
	refused("a revoked", store.RefreshKeep{ID: "r1", At: t0, ExpiresAt: keep.ExpiresAt.Add(time.Hour)})
	if got, _ := s.TokenByHash(ctx, "w", first.Hash); !got.ExpiresAt.Equal(keep.ExpiresAt) {
		t.Fatalf("a refused issue moved the expiry to %v", got.ExpiresAt)
	}

	legacy := sampleRefreshToken("r9", []byte("rh9"))
	legacy.GrantID, legacy.GrantExpiresAt = "g9", time.Time{} // stored before grants kept their end
	mustCreateTokens(t, s, legacy)
	refused("an expired", store.RefreshKeep{ID: "r9", At: legacy.ExpiresAt, ExpiresAt: legacy.ExpiresAt.Add(time.Hour)})
	keep = store.RefreshKeep{ID: "r9", At: t0, ExpiresAt: t0.Add(time.Hour), GrantExpiresAt: legacy.ExpiresAt}
	if err := s.KeepRefreshToken(ctx, "w", keep, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TokenByHash(ctx, "w", legacy.Hash); err != nil || !got.GrantExpiresAt.Equal(legacy.ExpiresAt) {
		t.Fatalf("a token with no grant end stored reads %+v %v; want its grant's end set to %v", got, err, legacy.ExpiresAt)
	}
}

// mustCreateTokens stores each token or fails the test.
func mustCreateTokens(t *testing.T, s store.Store, tokens ...store.Token) {
	t.Helper()
	for _, tok := range tokens {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
}

func testUsers(t *testing.T, s store.Store) {
	u := user.User{Workspace: "w", ID: "u1", Username: "alice", Email: "a@x", EmailVerified: true, Name: "Alice A",
		GivenName: "Alice", FamilyName: "A", PasswordHash: "$argon2id$x", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	dup := u
	dup.ID = "u2"
	if err := s.CreateUser(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate username: %v", err)
	}
	got, err := s.UserByUsername(ctx, "w", "alice")
	if d := cmp.Diff(u, got); d != "" || err != nil {
		t.Fatal(d, err)
	}
	sess := mustSession(t, s, "u1", "s1")
	if got, _ := s.SessionByHash(ctx, "w", sess.Hash); cmp.Diff(sess, got) != "" {
		t.Fatal(cmp.Diff(sess, got))
	}
	s.SaveConsent(ctx, store.Consent{Workspace: "w", UserID: "u1", ClientID: "c1", Scope: "openid", GrantedAt: t0})
	s.SaveConsent(ctx, store.Consent{Workspace: "w", UserID: "u1", ClientID: "c1", Scope: "openid email", GrantedAt: t0})
	if c, _ := s.ConsentFor(ctx, "w", "u1", "c1"); c.Scope != "openid email" {
		t.Fatalf("consent not replaced: %+v", c)
	}
	mustAuthCode(t, s)
	issued := sampleRefreshToken("r1", []byte("rh1"))
	issued.Subject = "u1"
	s.CreateToken(ctx, issued)
	if err := s.DeleteUser(ctx, "w", "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByHash(ctx, "w", sess.Hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("session of a deleted user survived")
	}
	if _, err := s.ConsentFor(ctx, "w", "u1", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("consent of a deleted user survived")
	}
	if _, err := s.AuthCodeByHash(ctx, "w", []byte("ch")); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("code of a deleted user survived")
	}
	if _, err := s.TokenByID(ctx, "w", "r1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("token of a deleted user survived")
	}
	if err := s.DeleteUser(ctx, "w", "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting a deleted user: %v", err)
	}
}

// testPasswordChangeEndsSignIns: a new password ends, in the same
// transaction, what the old one signed in: the user's sessions and codes
// go, every token issued to them is revoked (an earlier revocation keeps
// its time), and their consents stay. Other users' and clients' are
// untouched; for a user that does not exist nothing changes at all.
func testPasswordChangeEndsSignIns(t *testing.T, s store.Store) {
	t1 := t0.Add(time.Hour)
	for _, id := range []string{"u1", "u2"} {
		mustSession(t, s, id, "s-"+id)
	}
	mustAuthCode(t, s) // u1's
	other := store.AuthCode{Workspace: "w", ID: "code2", Hash: []byte("ch2"), ClientID: "c1", UserID: "u2", AuthTime: t0, GrantID: "g2", IssuedAt: t0, ExpiresAt: t1}
	if err := s.CreateAuthCode(ctx, other, "s-u2"); err != nil {
		t.Fatal(err)
	}
	s.SaveConsent(ctx, store.Consent{Workspace: "w", UserID: "u1", ClientID: "c1", Scope: "openid", GrantedAt: t0})
	tokens := map[string]string{"refresh": "u1", "access": "u1", "revoked": "u1", "others": "u2", "client": "c1"}
	for id, subject := range tokens {
		tok := sampleRefreshToken(id, []byte("h-"+id))
		if id == "access" { // an access token record of the user's grant
			tok = sampleToken(id, []byte("h-"+id))
		}
		tok.Subject = subject
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	s.RevokeToken(ctx, "w", "revoked", t0, nil)

	if err := s.SetUserPassword(ctx, "w", "ghost", "$new", t1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a user that does not exist: %v", err)
	}
	if _, err := s.SessionByHash(ctx, "w", []byte("sh-s-u1")); err != nil {
		t.Fatalf("a refused password change removed a session: %v", err)
	}
	if err := s.SetUserPassword(ctx, "w", "u1", "$new", t1); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UserByID(ctx, "w", "u1"); u.PasswordHash != "$new" || !u.UpdatedAt.Equal(t1) {
		t.Fatalf("the password was not changed: %+v", u)
	}
	for id, gone := range map[string]bool{"u1": true, "u2": false} {
		if _, err := s.SessionByHash(ctx, "w", []byte("sh-s-"+id)); errors.Is(err, store.ErrNotFound) != gone {
			t.Fatalf("session of %s: %v; gone=%v wanted", id, err, gone)
		}
	}
	for hash, gone := range map[string]bool{"ch": true, "ch2": false} {
		if _, err := s.AuthCodeByHash(ctx, "w", []byte(hash)); errors.Is(err, store.ErrNotFound) != gone {
			t.Fatalf("code %s: %v; gone=%v wanted", hash, err, gone)
		}
	}
	for id, want := range map[string]time.Time{"refresh": t1, "access": t1, "revoked": t0, "others": {}, "client": {}} {
		if got, err := s.TokenByID(ctx, "w", id); err != nil || !got.RevokedAt.Equal(want) {
			t.Fatalf("token %s of %s: revoked at %v (%v), want %v", id, tokens[id], got.RevokedAt, err, want)
		}
	}
	if _, err := s.ConsentFor(ctx, "w", "u1", "c1"); err != nil {
		t.Fatalf("a password change removed consent: %v", err)
	}
}

// testSessionNeedsTheVerifiedPassword: a session is stored only while its
// user has the password hash that was verified, so a sign-in that checked
// the password a change or a deletion has since replaced gets nothing.
func testSessionNeedsTheVerifiedPassword(t *testing.T, s store.Store) {
	mustSession(t, s, "u1", "s-before") // u1, with hash "$old"
	if err := s.SetUserPassword(ctx, "w", "u1", "$new", t0); err != nil {
		t.Fatal(err)
	}
	refused := func(what, ws, userID, hash string) {
		t.Helper()
		se := store.Session{Workspace: ws, ID: "s-" + what, Hash: []byte("sh-" + what), UserID: userID, AuthTime: t0, AMR: []string{"pwd"}, ExpiresAt: t0.Add(time.Hour)}
		if err := s.CreateSession(ctx, se, hash); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a session %s: %v, want ErrNotFound", what, err)
		}
		if _, err := s.SessionByHash(ctx, ws, se.Hash); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a session %s was stored: %v", what, err)
		}
	}
	refused("with the replaced hash", "w", "u1", "$old")
	refused("of a user that does not exist", "w", "ghost", "$new")
	refused("of a user of another workspace", "x", "u1", "$new")
	if err := s.CreateSession(ctx, store.Session{Workspace: "w", ID: "s-after", Hash: []byte("sh-after"), UserID: "u1", AuthTime: t0, ExpiresAt: t0.Add(time.Hour)}, "$new"); err != nil {
		t.Fatalf("a session with the current hash: %v", err)
	}
	if err := s.DeleteUser(ctx, "w", "u1"); err != nil {
		t.Fatal(err)
	}
	refused("of a deleted user", "w", "u1", "$new")
}

// testCodeNeedsItsSession: a code is stored only while the session it is
// issued from exists, so one issued as a sign-out or a password change
// ends that session is not left to be redeemed.
func testCodeNeedsItsSession(t *testing.T, s store.Store) {
	code := mustAuthCode(t, s) // from session s-code1 of u1
	refused := func(what, sessionID string) {
		t.Helper()
		c := code
		c.ID, c.Hash = "code-"+what, []byte("ch-"+what)
		if err := s.CreateAuthCode(ctx, c, sessionID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a code %s: %v, want ErrNotFound", what, err)
		}
		if _, err := s.AuthCodeByHash(ctx, "w", c.Hash); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a code %s was stored: %v", what, err)
		}
	}
	refused("of a session that never was", "s-none")
	mustSession(t, s, "u1", "s-out")
	if err := s.DeleteSession(ctx, "w", "s-out"); err != nil {
		t.Fatal(err)
	}
	refused("of a session signed out", "s-out")
	if err := s.SetUserPassword(ctx, "w", "u1", "$new", t0); err != nil {
		t.Fatal(err)
	}
	refused("of a session a password change ended", "s-code1")
}

func testLoginFailures(t *testing.T, s store.Store) {
	for i := 0; i < 3; i++ {
		s.RecordLoginFailure(ctx, "w", "user:alice", t0.Add(time.Duration(i)*time.Minute), t0.Add(-time.Hour))
	}
	if n, _ := s.LoginFailures(ctx, "w", "user:alice", t0.Add(30*time.Second)); n != 2 {
		t.Fatalf("failures in window: %d", n)
	}
	s.ClearLoginFailures(ctx, "w", "user:alice")
	if n, _ := s.LoginFailures(ctx, "w", "user:alice", t0.Add(-time.Hour)); n != 0 {
		t.Fatalf("after clear: %d", n)
	}

	// Collection takes only what is older than its cut-off.
	for i := 0; i < 3; i++ {
		s.RecordLoginFailure(ctx, "w", "addr:192.0.2.1", t0.Add(time.Duration(i)*time.Minute), t0.Add(-time.Hour))
	}
	if err := s.SetLoginGate(ctx, "w", "addr:192.0.2.1", t0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLoginGate(ctx, "w", "user:bob", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteStaleLoginState(ctx, t0.Add(90*time.Second))
	if err != nil || n != 3 {
		t.Fatalf("collected %d rows (%v); want 2 failures and 1 gate", n, err)
	}
	if n, _ := s.LoginFailures(ctx, "w", "addr:192.0.2.1", t0.Add(-time.Hour)); n != 1 {
		t.Fatalf("%d failures left; want the one after the cut-off", n)
	}
	if _, ok, _ := s.ClaimLoginGate(ctx, "w", "user:bob", t0.Add(time.Minute), t0.Add(2*time.Minute)); ok {
		t.Fatal("collection opened a gate that was still shut")
	}
}

func testLoginGate(t *testing.T, s store.Store) {
	const key = "user:alice"
	if _, ok, err := s.ClaimLoginGate(ctx, "w", key, t0, t0.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if opens, ok, err := s.ClaimLoginGate(ctx, "w", key, t0.Add(time.Second), t0.Add(time.Hour)); ok || err != nil || !opens.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claim of a shut gate: ok=%v opens=%v %v", ok, opens, err)
	}
	if _, ok, _ := s.ClaimLoginGate(ctx, "w", "addr:192.0.2.1", t0, t0.Add(time.Minute)); !ok {
		t.Fatal("another key's gate is shut too")
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Go(func() {
			if _, ok, err := s.ClaimLoginGate(ctx, "w", key, t0.Add(time.Minute), t0.Add(2*time.Minute)); ok && err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent claims of one opening gate won", wins.Load())
	}
	if err := s.SetLoginGate(ctx, "w", key, t0); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ClaimLoginGate(ctx, "w", key, t0, t0.Add(time.Minute)); !ok {
		t.Fatal("a gate set to open at t0 is shut at t0")
	}
	s.ClearLoginFailures(ctx, "w", key)
	if _, ok, _ := s.ClaimLoginGate(ctx, "w", key, t0, t0.Add(time.Minute)); !ok {
		t.Fatal("clearing the failures left the gate shut")
	}
}

func testAccountLock(t *testing.T, s store.Store) {
	const key, limit = "user:alice", 3
	lockUntil := t0.Add(time.Hour)
	if lock, err := s.AccountLock(ctx, "w", key); err != nil || lock != (store.AccountLock{}) {
		t.Fatalf("before any failure: %+v %v", lock, err)
	}
	for i := 1; i < limit; i++ {
		lock, err := s.RecordConsecutiveFailure(ctx, "w", key, t0, limit, lockUntil)
		if err != nil || lock != (store.AccountLock{Failures: i}) {
			t.Fatalf("failure %d: %+v %v; want counted, not locked", i, lock, err)
		}
	}
	lock, err := s.RecordConsecutiveFailure(ctx, "w", key, t0, limit, lockUntil)
	if err != nil || lock.Failures != limit || !lock.LockedUntil.Equal(lockUntil) {
		t.Fatalf("failure at the limit: %+v %v; want locked until %v", lock, err, lockUntil)
	}
	// A failure while locked (counted by an attempt already in flight)
	// does not shorten the lock; one after it ends locks again.
	if lock, _ = s.RecordConsecutiveFailure(ctx, "w", key, t0, limit, t0.Add(time.Minute)); !lock.LockedUntil.Equal(lockUntil) {
		t.Fatalf("lock shortened to %v", lock.LockedUntil)
	}
	later := t0.Add(3 * time.Hour)
	if lock, _ = s.RecordConsecutiveFailure(ctx, "w", key, t0.Add(2*time.Hour), limit, later); !lock.LockedUntil.Equal(later) {
		t.Fatalf("a failure past the limit after the lock ended left it at %v", lock.LockedUntil)
	}
	if got, _ := s.AccountLock(ctx, "w", key); got != lock {
		t.Fatalf("read %+v; recorded %+v", got, lock)
	}
	if other, _ := s.AccountLock(ctx, "other", key); other != (store.AccountLock{}) {
		t.Fatalf("another workspace's account shares the count: %+v", other)
	}

	// Concurrent failures each count.
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Go(func() { s.RecordConsecutiveFailure(ctx, "w", "user:bob", t0, 100, lockUntil) })
	}
	wg.Wait()
	if bob, _ := s.AccountLock(ctx, "w", "user:bob"); bob.Failures != 10 {
		t.Fatalf("10 concurrent failures counted as %d", bob.Failures)
	}

	if err := s.ClearAccountLock(ctx, "w", key); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AccountLock(ctx, "w", key); got != (store.AccountLock{}) {
		t.Fatalf("after clearing: %+v", got)
	}

	// Collection takes a count only once its last failure and its lock
	// are both older than the cut-off.
	s.RecordConsecutiveFailure(ctx, "w", "user:carol", t0, 1, t0.Add(time.Hour))
	if n, err := s.DeleteStaleAccountLocks(ctx, t0); err != nil || n != 0 {
		t.Fatalf("collected %d (%v) of failures not older than the cut-off", n, err)
	}
	if n, err := s.DeleteStaleAccountLocks(ctx, t0.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("collected %d (%v); want bob's only: carol's lock is still in force", n, err)
	}
	if n, err := s.DeleteStaleAccountLocks(ctx, t0.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("collected %d (%v); want carol's, her lock over", n, err)
	}
}

func testRequestUsedOnce(t *testing.T, s store.Store) {
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Go(func() {
			if ok, err := s.UseRequestOnce(ctx, "w", "r1", t0.Add(time.Minute)); ok && err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("one request used %d times", wins.Load())
	}
	if ok, _ := s.UseRequestOnce(ctx, "other", "r1", t0.Add(time.Minute)); !ok {
		t.Fatal("a request id of another workspace counts as used")
	}
	// Collected once expired: by then the sealed request itself is refused.
	if ok, err := s.UseRequestOnce(ctx, "w", "r2", t0.Add(2*time.Hour)); !ok || err != nil {
		t.Fatalf("another request: %v %v", ok, err)
	}
	if _, err := s.DeleteExpiredTokens(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.UseRequestOnce(ctx, "w", "r1", t0.Add(3*time.Hour)); !ok {
		t.Fatal("an expired record was not swept")
	}
	if ok, _ := s.UseRequestOnce(ctx, "w", "r2", t0.Add(2*time.Hour)); ok {
		t.Fatal("a record not yet expired was swept")
	}
}

func testRequestUsedReads(t *testing.T, s store.Store) {
	used := func(ws, id string) bool {
		t.Helper()
		ok, err := s.RequestUsed(ctx, ws, id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if used("w", "r1") {
		t.Fatal("a request never used counts as used")
	}
	if ok, err := s.UseRequestOnce(ctx, "w", "r1", t0.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("a request only read was recorded as used: %v %v", ok, err)
	}
	if !used("w", "r1") {
		t.Fatal("a used request does not count as used")
	}
	if used("other", "r1") {
		t.Fatal("a request id of another workspace counts as used")
	}
	// As UseRequestOnce, it counts a record until it is collected.
	if _, err := s.DeleteExpiredTokens(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if used("w", "r1") {
		t.Fatal("a collected record still counts as used")
	}
}

func testAudit(t *testing.T, s store.Store) {
	for i := 0; i < 3; i++ {
		s.AddAuditEvent(ctx, store.AuditEvent{Workspace: "w", ID: fmt.Sprint(i), At: t0.Add(time.Duration(i) * time.Second), Action: "register", Outcome: "denied", Reason: "r"})
	}
	got, err := s.ListAuditEvents(ctx, "w", 2)
	if err != nil || len(got) != 2 || got[0].ID != "2" {
		t.Fatalf("audit %v %v", got, err)
	}
}
