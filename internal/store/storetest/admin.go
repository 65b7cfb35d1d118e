package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

// testDisabledRoundTrip: a client's disabled time is kept through every
// read, an update and the read that joins a token record, and clears.
func testDisabledRoundTrip(t *testing.T, s store.Store) {
	c := sampleClient("w", "c1")
	c.DisabledAt = t0.Add(time.Minute)
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ClientByID(ctx, "w", "c1"); err != nil || !got.DisabledAt.Equal(c.DisabledAt) {
		t.Fatalf("read %v, %v; want disabled at %v", got.DisabledAt, err, c.DisabledAt)
	}
	if got, _, err := s.ClientWithTokenRecord(ctx, "w", "c1", "no-jti"); err != nil || !got.Disabled() {
		t.Fatalf("read with a token record: %v, %v; want disabled", got.DisabledAt, err)
	}
	if _, err := s.UpdateClient(ctx, "w", "c1", func(c *client.Client) error { c.DisabledAt = time.Time{}; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ClientByID(ctx, "w", "c1"); got.Disabled() {
		t.Fatalf("enabled client reads disabled at %v", got.DisabledAt)
	}
}

// searchIDs runs a search and returns the ids it found, in order.
func searchIDs(t *testing.T, s store.Store, ws string, q store.ClientSearch) []string {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 100
	}
	got, err := s.SearchClients(ctx, ws, q)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	return ids
}

// testSearchClients: every filter narrows, newest first, and keyset
// pages cover the list once each, in order, whatever ties on time.
func testSearchClients(t *testing.T, s store.Store) {
	add := func(id, origin, name, software string, at time.Time) {
		c := sampleClient("w", id)
		c.IssuedAt, c.Provenance.Origin, c.Metadata.ClientName, c.Metadata.SoftwareID = at, origin, name, software
		if err := s.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	add("a", client.OriginDCR, "Acme Rocket", "sw-acme", t0)
	add("b", client.OriginCLI, "Billing", "", t0.Add(time.Second))
	add("c", client.OriginAdmin, "Cash_100%", "", t0.Add(time.Second)) // a tie on time with b
	add("d", client.OriginDCR, "ACME Console", "sw-acme", t0.Add(2*time.Second))
	other := sampleClient("elsewhere", "x")
	other.Metadata.ClientName = "Acme Robot"
	if err := s.CreateClient(ctx, other); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    store.ClientSearch
		want []string
	}{
		{"all, newest first, ties by id", store.ClientSearch{}, []string{"d", "c", "b", "a"}},
		{"dcr", store.ClientSearch{Origins: []string{client.OriginDCR}}, []string{"d", "a"}},
		{"operator", store.ClientSearch{Origins: []string{client.OriginCLI, client.OriginAdmin}}, []string{"c", "b"}},
		{"software_id", store.ClientSearch{SoftwareID: "sw-acme"}, []string{"d", "a"}},
		{"issued after", store.ClientSearch{IssuedAfter: t0}, []string{"d", "c", "b"}},
		{"text in the name, any case", store.ClientSearch{Text: "acme"}, []string{"d", "a"}},
		{"text in the id", store.ClientSearch{Text: "b"}, []string{"b"}},
		{"LIKE's wildcards are literal", store.ClientSearch{Text: "_100%"}, []string{"c"}},
		{"a wildcard matches only itself", store.ClientSearch{Text: "%"}, []string{"c"}},
		{"filters combine", store.ClientSearch{Origins: []string{client.OriginDCR}, Text: "console"}, []string{"d"}},
	} {
		if got := searchIDs(t, s, "w", tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	var paged []string
	q := store.ClientSearch{Limit: 1}
	for range 10 {
		page, err := s.SearchClients(ctx, "w", q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		last := page[len(page)-1]
		paged = append(paged, last.ID)
		q.After = &store.ClientKey{IssuedAt: last.IssuedAt, ID: last.ID}
	}
	if want := []string{"d", "c", "b", "a"}; !slices.Equal(paged, want) {
		t.Fatalf("pages of one: %v, want %v", paged, want)
	}
	// What an update changes, the search sees.
	if _, err := s.UpdateClient(ctx, "w", "b", func(c *client.Client) error {
		c.Metadata.ClientName, c.Metadata.SoftwareID = "Invoices", "sw-inv"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := searchIDs(t, s, "w", store.ClientSearch{Text: "invoice", SoftwareID: "sw-inv"}); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("after an update: %v", got)
	}
}

// testSearchAuditEvents: filters by action, client and time, and keyset
// pages, newest first.
func testSearchAuditEvents(t *testing.T, s store.Store) {
	for i := range 5 {
		e := store.AuditEvent{Workspace: "w", ID: fmt.Sprintf("e%d", i), At: t0.Add(time.Duration(i/2) * time.Second),
			Action: []string{"register", "admin.client.disable"}[i%2], Outcome: "accepted", ClientID: fmt.Sprintf("c%d", i%2)}
		if err := s.AddAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q store.AuditSearch) []string {
		if q.Limit == 0 {
			q.Limit = 100
		}
		got, err := s.SearchAuditEvents(ctx, "w", q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range got {
			out = append(out, e.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    store.AuditSearch
		want []string
	}{
		{"all", store.AuditSearch{}, []string{"e4", "e3", "e2", "e1", "e0"}},
		{"action", store.AuditSearch{Action: "admin.client.disable"}, []string{"e3", "e1"}},
		{"client", store.AuditSearch{ClientID: "c0"}, []string{"e4", "e2", "e0"}},
		{"since, inclusive", store.AuditSearch{Since: t0.Add(time.Second)}, []string{"e4", "e3", "e2"}},
		{"until, exclusive", store.AuditSearch{Until: t0.Add(time.Second)}, []string{"e1", "e0"}},
		{"after a tie", store.AuditSearch{After: &store.AuditKey{At: t0.Add(time.Second), ID: "e3"}}, []string{"e2", "e1", "e0"}},
		{"limit", store.AuditSearch{Limit: 2}, []string{"e4", "e3"}},
	} {
		if got := ids(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// testAdminTokens: round trip, lookup by hash, revocation, throttled
// last-use writes, conflicts.
func testAdminTokens(t *testing.T, s store.Store) {
	tok := store.AdminToken{ID: "t1", Name: "ops", Hash: []byte{1, 2}, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateAdminToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAdminToken(ctx, store.AdminToken{ID: "t2", Name: "dup", Hash: []byte{1, 2}, CreatedAt: t0}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate hash: %v", err)
	}
	got, err := s.AdminTokenByHash(ctx, []byte{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(tok, got); d != "" {
		t.Fatal(d)
	}
	if _, err := s.AdminTokenByHash(ctx, []byte{9}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	if err := s.TouchAdminToken(ctx, "t1", t0.Add(time.Minute), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchAdminToken(ctx, "t1", t0.Add(90*time.Second), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AdminTokenByHash(ctx, []byte{1, 2}); !got.LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("last use %v; want the first touch kept within the interval", got.LastUsedAt)
	}
	for range 2 {
		if err := s.RevokeAdminToken(ctx, "t1", t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeAdminToken(ctx, "nope", t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoke missing: %v", err)
	}
	list, err := s.ListAdminTokens(ctx)
	if err != nil || len(list) != 1 || !list[0].RevokedAt.Equal(t0.Add(2*time.Minute)) || list[0].Usable(t0) {
		t.Fatalf("list %+v, %v; want the one token, revoked", list, err)
	}
}
