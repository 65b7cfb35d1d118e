package storetest

import (
	"database/sql"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/user"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// RunUpgrades makes a database at each earlier schema version of
// migrations (a directory of goose files), stores fixture in it (rows as
// that version could hold them), then opens it with the current store,
// which migrates it up, and reads every row back (CheckUpgradeFixture).
// fresh returns an empty database and a function opening the store on it.
func RunUpgrades(t *testing.T, dialect goose.Dialect, migrations fs.FS, fixture string, fresh func(t *testing.T) (*sql.DB, func() store.Store)) {
	sources, err := fs.Glob(migrations, "*.sql")
	if err != nil || len(sources) < 2 {
		t.Fatalf("migrations: %v %v", sources, err)
	}
	for version := int64(1); version < int64(len(sources)); version++ {
		t.Run(fmt.Sprintf("from_%d", version), func(t *testing.T) {
			db, open := fresh(t)
			p, err := goose.NewProvider(dialect, db, migrations)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, version); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, fixture); err != nil {
				t.Fatal(err)
			}
			db.Close()
			s := open()
			CheckUpgradeFixture(t, s, version)
			if version == 1 {
				// Migration 2: a workspace that already had clients was
				// bootstrapped by the release that made them.
				if won, err := s.ClaimBootstrap(ctx, "default", time.Now()); won || err != nil {
					t.Errorf("a workspace with clients from before migration 2 handed out a bootstrap client again (%v)", err)
				}
			}
		})
	}
}

// CheckUpgradeFixture reads through s, a store opened on a database made
// at an earlier schema version and migrated up, the rows of the backend's
// testdata/upgrade_fixture.sql (inserted with the columns of the first
// schema version): each must read as the store wrote it then, in a
// database that was at fromVersion when they were.
func CheckUpgradeFixture(t *testing.T, s store.Store, fromVersion int64) {
	t.Helper()
	check := func(what string, want, got any, err error) {
		t.Helper()
		if d := cmp.Diff(want, got); err != nil || d != "" {
			t.Errorf("%s after the upgrade: %v (-want +got):\n%s", what, err, d)
		}
	}
	ws, err := s.WorkspaceByName(ctx, "default")
	settings := workspace.DefaultSettings()
	// Stored before the login settings existed: they read as zero, and the
	// accessors give their defaults.
	settings.Login = workspace.Login{}
	// Likewise the client assertion settings, and the default
	// registration.auth_methods then had no private_key_jwt.
	settings.ClientAuth = workspace.ClientAuth{}
	settings.Registration.AuthMethods = []string{"client_secret_basic", "client_secret_post", "none"}
	check("workspace", workspace.Workspace{Name: "default", Settings: settings, CreatedAt: t0, UpdatedAt: t0}, ws, err)
	if ws.Settings.LoginMaxFailures() != workspace.DefaultSettings().Login.MaxFailures {
		t.Errorf("login.max_failures of an upgraded workspace = %d, want the default", ws.Settings.LoginMaxFailures())
	}
	if ws.Settings.AssertionMaxLifetime() != workspace.DefaultAssertionMaxLifetime.Duration() || len(ws.Settings.AssertionAlgs()) == 0 {
		t.Errorf("client_auth of an upgraded workspace = %v %v, want the defaults", ws.Settings.AssertionMaxLifetime(), ws.Settings.AssertionAlgs())
	}
	// Migration 11 counts every client made before it as used (its first
	// token cannot be proven), as of its registration; a fixture written
	// after it has no first token.
	firstToken := t0
	if fromVersion >= 11 {
		firstToken = time.Time{}
	}

	age := int64(300)
	cl, err := s.ClientByID(ctx, "default", "app")
	check("client", client.Client{Workspace: "default", ID: "app", SecretHash: []byte{1, 2, 3}, SecretExpiresAt: t0.Add(time.Hour),
		IssuedAt: t0, UpdatedAt: t0, Version: 3,
		Metadata: client.Metadata{RedirectURIs: []string{"https://app.example/cb"}, TokenEndpointAuthMethod: "client_secret_basic",
			GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"}, ClientName: "App", Scope: "openid profile",
			Contacts: []string{"ops@app.example"}, DefaultMaxAge: &age, Localized: map[string]string{"client_name#fr": "Appli"}},
		Provenance:            client.Provenance{Origin: client.OriginDCR, InitialAccessTokenID: "iat1", RegisteredAt: t0},
		RegistrationTokenHash: []byte{9, 9}, RegistrationTokenExpiresAt: t0.Add(24 * time.Hour),
		FirstTokenAt: firstToken}, cl, err)

	tok, err := s.TokenByHash(ctx, "default", []byte("rh1"))
	check("refresh token (no auth_time, no grant expiry: columns added later)", store.Token{Workspace: "default", ID: "r1", Kind: store.KindRefresh,
		Format: workspace.FormatOpaque, Hash: []byte("rh1"), ClientID: "app", Subject: "u1", Scope: "openid",
		Audience: []string{"https://api.example"}, GrantID: "g1", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}, tok, err)

	iat, err := s.InitialAccessTokenByHash(ctx, "default", []byte("ih1"))
	check("initial access token", store.InitialAccessToken{Workspace: "default", ID: "iat1", Hash: []byte("ih1"), Description: "ci",
		MaxUses: 5, Uses: 1, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, iat, err)

	u, err := s.UserByID(ctx, "default", "u1")
	check("user", user.User{Workspace: "default", ID: "u1", Username: "alice", Email: "alice@example.com", EmailVerified: true,
		Name: "Alice A", GivenName: "Alice", FamilyName: "A", PasswordHash: "$argon2id$x", CreatedAt: t0, UpdatedAt: t0}, u, err)

	keys, err := s.KeysByWorkspace(ctx, "default", t0)
	check("signing keys", []store.SigningKey{{Workspace: "default", KID: "k1", Alg: "ES256", PrivateKeyEncrypted: []byte("sealed"),
		PublicJWK: []byte(`{"kty":"EC"}`), CreatedAt: t0}}, keys, err)
}
