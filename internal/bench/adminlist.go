package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store/backend"
)

// adminClients is how many clients the admin list workloads find in
// their workspace: a large deployment's worth.
const adminClients = 100_000

// adminSeed is the admin workloads' one-time setup: the clients, written
// straight into the store (what a year of registrations leaves, in
// seconds), and an admin token.
type adminSeed struct {
	once  sync.Once
	token string
	err   error
}

// adminListStep reads the first page of the default workspace's clients
// through the admin API with query (no filter, a search, a filter), as
// the console does for each page it shows.
func adminListStep(query string) func(f *fixture) func(int) (Step, error) {
	return func(f *fixture) func(int) (Step, error) {
		f.admin.once.Do(func() { f.admin.token, f.admin.err = f.seedAdmin() })
		u := f.t.base + "/admin/api/v1/workspaces/default/clients?" + query
		return func(int) (Step, error) {
			if f.admin.err != nil {
				return nil, f.admin.err
			}
			auth := "Bearer " + f.admin.token
			return func(ctx context.Context, c *http.Client) error {
				_, err := send(ctx, c, http.MethodGet, u, "", "", auth, 200)
				return err
			}, nil
		}
	}
}

// seedAdmin inserts adminClients self-registered clients into the
// default workspace, 16 writers at a time, and creates an admin token.
func (f *fixture) seedAdmin() (string, error) {
	ctx := context.Background()
	st, err := backend.Open(ctx, f.t.db, slog.New(slog.DiscardHandler))
	if err != nil {
		return "", err
	}
	defer st.Close()
	start := time.Now().UTC().Add(-time.Duration(adminClients) * time.Second).Truncate(time.Microsecond)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range adminClients {
		g.Go(func() error {
			at := start.Add(time.Duration(i) * time.Second)
			c := client.Client{
				Workspace: "default", ID: fmt.Sprintf("seed%07d", i), SecretHash: []byte(fmt.Sprintf("h%07d", i)),
				IssuedAt: at, UpdatedAt: at, Version: 1,
				Metadata: client.Metadata{ClientName: fmt.Sprintf("Seeded app %d", i), SoftwareID: fmt.Sprintf("sw-%d", i%100),
					GrantTypes: []string{client.GrantClientCredentials}},
				Provenance: client.Provenance{Origin: client.OriginDCR, RegisteredAt: at},
			}
			return st.CreateClient(gctx, c)
		})
	}
	if err := g.Wait(); err != nil {
		return "", fmt.Errorf("seeding %d clients: %w", adminClients, err)
	}
	var tok struct{ Token string }
	err = f.t.cliJSON(&tok, "admin", "token", "create", "--name", "bench", "--json")
	return tok.Token, err
}

// The admin list workloads: the first page (50) of the clients, of a
// search that matches one client in eleven, of one that matches a single
// client (the whole index walked), and of a software_id filter.
var adminWorkloads = []workload{
	{"admin-list", adminListStep("limit=50")},
	{"admin-search", adminListStep("limit=50&q=" + url.QueryEscape("app 9"))},
	{"admin-search-rare", adminListStep("limit=50&q=" + url.QueryEscape("app 42424"))},
	{"admin-filter-software", adminListStep("limit=50&software_id=sw-42")},
}

func init() { workloads = append(workloads, adminWorkloads...) }
