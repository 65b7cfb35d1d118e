package registration

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/registrar-dev/registrar/internal/fetch"
	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/testutil/certtest"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// fetcherFunc is a Fetcher the test answers for.
type fetcherFunc func(ctx context.Context, url string) ([]byte, error)

func (f fetcherFunc) JSON(ctx context.Context, url string) ([]byte, error) { return f(ctx, url) }

func (f fetcherFunc) Refresh(ctx context.Context, url string) ([]byte, error) { return f(ctx, url) }

// documents answers each URL with its document; any other URL fails as
// the fetcher fails.
func documents(calls *atomic.Int64, docs map[string]string) fetcherFunc {
	return func(_ context.Context, url string) ([]byte, error) {
		calls.Add(1)
		if doc, ok := docs[url]; ok {
			return []byte(doc), nil
		}
		return nil, &fetch.Error{URL: url, Reason: "address 127.0.0.1 is loopback"}
	}
}

func ecJWKS(tb testing.TB, private bool) string {
	tb.Helper()
	priv := certtest.Key(tb)
	var raw any = &priv.PublicKey
	if private {
		raw = priv
	}
	key, err := jwk.Import(raw)
	if err != nil {
		tb.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"keys": []jwk.Key{key}})
	return string(doc)
}

func TestRegistrationChecksRemoteDocuments(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int64
	f.svc.Fetcher = documents(&calls, map[string]string{
		"https://keys.example/good":    ecJWKS(t, false),
		"https://keys.example/private": ecJWKS(t, true),
		"https://keys.example/array":   `["https://app.example/cb"]`,
		"https://sector.example/all":   `["https://app.example/cb","https://other.example/cb"]`,
		"https://sector.example/some":  `["https://other.example/cb"]`,
		"https://sector.example/obj":   `{"redirect_uris":["https://app.example/cb"]}`,
	})
	f.iat(t, "iat", "value", func(t *store.InitialAccessToken) { t.MaxUses = 0 })
	register := func(extra string) (Response, error) {
		f.tick()
		return f.svc.Register(context.Background(), f.ws, Request{Bearer: "value", Body: []byte(`{"redirect_uris":["https://app.example/cb"],` + extra + `}`)})
	}
	refused := []struct{ name, metadata, says string }{
		{"jwks_uri unreachable", `"jwks_uri":"https://keys.example/elsewhere"`, "jwks_uri: address 127.0.0.1 is loopback"},
		{"jwks_uri with a private key", `"jwks_uri":"https://keys.example/private"`, `jwks_uri: keys[0]: contains private key member "d"`},
		{"jwks_uri not a JWK Set", `"jwks_uri":"https://keys.example/array"`, "jwks_uri: must be a JWK Set"},
		{"sector unreachable", `"sector_identifier_uri":"https://sector.example/gone"`, "sector_identifier_uri: address 127.0.0.1 is loopback"},
		{"sector missing a redirect URI", `"sector_identifier_uri":"https://sector.example/some"`, `sector_identifier_uri: its document does not list the redirect URI "https://app.example/cb"`},
		{"sector not an array", `"sector_identifier_uri":"https://sector.example/obj"`, "sector_identifier_uri: must answer with a JSON array"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := register(tc.metadata)
			if oe := wantCode(t, err, oautherr.InvalidClientMetadata); oe.Description != tc.says && !strings.HasPrefix(oe.Description, tc.says) {
				t.Fatalf("description %q, want %q", oe.Description, tc.says)
			}
			if f.clients(t) != 0 {
				t.Fatal("a client was stored")
			}
			if ev := f.lastEvent(t); ev.Outcome != "denied" || !strings.Contains(ev.Reason, tc.says) {
				t.Fatalf("event %+v", ev)
			}
		})
	}
	for _, ok := range []string{`"jwks_uri":"https://keys.example/good"`, `"sector_identifier_uri":"https://sector.example/all"`} {
		if _, err := register(ok); err != nil {
			t.Fatalf("%s: %v", ok, err)
		}
	}
	// Metadata naming no document fetches nothing.
	before := calls.Load()
	if _, err := register(`"client_name":"plain"`); err != nil || calls.Load() != before {
		t.Fatalf("err %v, %d fetches", err, calls.Load()-before)
	}
}

// Without a Fetcher the service fetches under the production rules.
func TestRegistrationDefaultFetcherRefusesLoopback(t *testing.T) {
	f := newFixture(t)
	f.iat(t, "iat", "value", nil)
	start := time.Now()
	_, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: "value", Body: []byte(`{"redirect_uris":["https://app.example/cb"],"jwks_uri":"https://[::ffff:127.0.0.1]:8443/jwks"}`)})
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); oe.Description != "jwks_uri: address ::ffff:127.0.0.1 carries 127.0.0.1, which is loopback" && oe.Description != "jwks_uri: address 127.0.0.1 is loopback" {
		t.Fatalf("description %q", oe.Description)
	}
	if time.Since(start) > fetch.DefaultBudget {
		t.Fatalf("took %v", time.Since(start))
	}
}

func TestUpdateChecksRemoteDocumentsOutsideTheTransaction(t *testing.T) {
	f := newFixture(t)
	resp := f.register(t)
	id, rat := resp["client_id"].(string), resp["registration_access_token"].(string)
	registered, err := f.store.ClientByID(context.Background(), f.ws.Name, id)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int64
	docs := documents(&calls, map[string]string{"https://keys.example/good": ecJWKS(t, false)})
	// The fetch writes to the store, as another request would meanwhile:
	// inside the update's transaction it would wait for it forever.
	f.svc.Fetcher = fetcherFunc(func(ctx context.Context, url string) ([]byte, error) {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		ev := store.AuditEvent{Workspace: f.ws.Name, ID: "meanwhile-" + url, At: t0.Add(-time.Hour), Action: "read", Outcome: "denied"}
		if err := f.store.AddAuditEvent(wctx, ev); err != nil {
			t.Errorf("the store did not answer during the fetch: %v", err)
		}
		return docs(ctx, url)
	})
	body := func(jwksURI string) []byte {
		return []byte(`{"client_id":"` + id + `","redirect_uris":["https://app.example/cb"],"jwks_uri":"` + jwksURI + `"}`)
	}

	f.tick()
	if _, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: "wrong", Body: body("https://keys.example/good")}); err == nil {
		t.Fatal("a wrong token updated the client")
	}
	if calls.Load() != 0 {
		t.Fatal("an unauthenticated update made the server fetch")
	}

	f.tick()
	_, err = f.svc.Update(context.Background(), f.ws, id, Request{Bearer: rat, Body: body("https://keys.example/elsewhere")})
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); oe.Description != "jwks_uri: address 127.0.0.1 is loopback" {
		t.Fatalf("description %q", oe.Description)
	}
	if ev := f.lastEvent(t); ev.Action != "update" || ev.Outcome != "denied" {
		t.Fatalf("event %+v", ev)
	}
	if cl, err := f.store.ClientByID(context.Background(), f.ws.Name, id); err != nil || cl.Version != registered.Version {
		t.Fatalf("client changed: version %d, was %d (%v)", cl.Version, registered.Version, err)
	}

	f.tick()
	updated, err := f.svc.Update(context.Background(), f.ws, id, Request{Bearer: rat, Body: body("https://keys.example/good")})
	if err != nil {
		t.Fatal(err)
	}
	if updated["jwks_uri"] != "https://keys.example/good" {
		t.Fatalf("jwks_uri %v", updated["jwks_uri"])
	}
}

// Both documents are fetched at once: the step costs one fetch budget,
// not two, within the request's.
func TestRemoteDocumentsAreFetchedTogether(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int64
	docs := documents(&calls, map[string]string{
		"https://keys.example/good":  ecJWKS(t, false),
		"https://sector.example/all": `["https://app.example/cb"]`,
	})
	arrived := make(chan struct{}, 2)
	f.svc.Fetcher = fetcherFunc(func(ctx context.Context, url string) ([]byte, error) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		alone := time.After(2 * time.Second)
		for len(arrived) < 2 {
			select {
			case <-alone:
				return nil, &fetch.Error{URL: url, Reason: "fetched alone"}
			case <-time.After(time.Millisecond):
			}
		}
		return docs(ctx, url)
	})
	f.iat(t, "iat", "value", nil)
	body := `{"redirect_uris":["https://app.example/cb"],"jwks_uri":"https://keys.example/good","sector_identifier_uri":"https://sector.example/all"}`
	if _, err := f.svc.Register(context.Background(), f.ws, Request{Bearer: "value", Body: []byte(body)}); err != nil {
		t.Fatal(err)
	}
}

// TestStatementKeysURLIsChecked: a jwks_uri a statement supplies (its
// software_jwks_endpoint) is fetched and checked like one the request
// names, at registration and on an update sending a newer statement.
func TestStatementKeysURLIsChecked(t *testing.T) {
	key := newTestKey(t, "dir-1")
	f := newStatementFixture(t, key, workspace.Required)
	var calls atomic.Int64
	f.svc.Fetcher = documents(&calls, map[string]string{"https://directory.example/good.jwks": ecJWKS(t, false)})
	statement := func(endpoint string) string {
		return key.sign(t, ssaClaims(f.now, map[string]any{"software_jwks_endpoint": endpoint}), nil)
	}
	const refused = "jwks_uri: address 127.0.0.1 is loopback"

	_, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, statement("https://directory.example/gone.jwks"), nil)})
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); oe.Description != refused {
		t.Fatalf("register: %q, want %q", oe.Description, refused)
	}
	f.tick()
	resp, err := f.svc.Register(context.Background(), f.ws, Request{Body: ssaBody(t, statement("https://directory.example/good.jwks"), nil)})
	if err != nil {
		t.Fatal(err)
	}
	id, rat := resp["client_id"].(string), resp["registration_access_token"].(string)
	f.tick()
	members := map[string]any{"client_id": id, "client_secret": resp["client_secret"]}
	_, err = f.svc.Update(context.Background(), f.ws, id, Request{Bearer: rat, Body: ssaBody(t, statement("https://directory.example/gone.jwks"), members)})
	if oe := wantCode(t, err, oautherr.InvalidClientMetadata); oe.Description != refused {
		t.Fatalf("update: %q, want %q", oe.Description, refused)
	}
	if cl, _ := f.store.ClientByID(context.Background(), f.ws.Name, id); cl.Metadata.JWKSURI != "https://directory.example/good.jwks" {
		t.Fatalf("jwks_uri %q after a refused update", cl.Metadata.JWKSURI)
	}
}
