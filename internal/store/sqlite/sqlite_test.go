package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/sqlstore"
	"github.com/registrar-dev/registrar/internal/store/storetest"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// TestConformance runs the suite on a real file in WAL mode, as in production.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "registrar.db"), quiet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// migratedDB is a plain connection to a store's file, migrated and closed
// by the store, for reading the schema itself.
func migratedDB(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "registrar.db")
	s, err := Open(context.Background(), path, quiet) // migrates
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestTokenJoinMatchesSchema: see storetest.CheckTokenJoin.
func TestTokenJoinMatchesSchema(t *testing.T) {
	db := migratedDB(t)
	storetest.CheckTokenJoin(t, db, `SELECT name, type, "notnull" FROM pragma_table_info('tokens')`)
}

// TestUserCleanupUsesIndexes: deleting a user or changing a password runs
// these statements while holding the single writer; each must find the
// user's rows by index, not by scanning the table (the tokens one through
// the partial index of users' tokens, which it names the condition of).
func TestUserCleanupUsesIndexes(t *testing.T) {
	db := migratedDB(t)
	cases := []struct{ stmt, index string }{
		{`DELETE FROM sessions WHERE workspace = 'w' AND user_id = 'u'`, "sessions_by_user"},
		{`DELETE FROM auth_codes WHERE workspace = 'w' AND user_id = 'u'`, "auth_codes_by_user"},
		{`DELETE FROM tokens WHERE workspace = 'w' AND subject = 'u' AND subject <> client_id`, "tokens_by_user"},
		{`UPDATE tokens SET revoked_at = 1 WHERE workspace = 'w' AND subject = 'u' AND subject <> client_id AND revoked_at IS NULL`, "tokens_by_user"},
	}
	for _, tc := range cases {
		if plan := queryPlan(t, db, tc.stmt); !strings.Contains(plan, tc.index) {
			t.Errorf("%s\nplan:\n%swant it to use %s", tc.stmt, plan, tc.index)
		}
	}
}

// queryPlan is what EXPLAIN QUERY PLAN says of stmt, a line per step.
func queryPlan(t *testing.T, db *sql.DB, stmt string) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN " + stmt)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan.String()
}

// quiet discards what the stores under test log.
var quiet = slog.New(slog.DiscardHandler)

// TestWALCheckpointedBesideTheWriter: these commits stay below the 1,000
// pages at which a commit checkpoints by itself, so the database file grows
// only if the background checkpoint copies the log into it; it does so
// only for commits the store counted, whether they went through the group
// commit or were statements of their own.
func TestWALCheckpointedBesideTheWriter(t *testing.T) {
	now := time.Now()
	pad := strings.Repeat("x", 200)
	for _, tc := range []struct {
		name  string
		write func(s *sqlstore.Store, i int) error
	}{
		{"group commit", func(s *sqlstore.Store, i int) error {
			return s.CreateToken(context.Background(), store.Token{Workspace: "w", ID: fmt.Sprintf("t%d", i), Kind: store.KindAccess,
				Format: workspace.FormatOpaque, Hash: []byte(fmt.Sprintf("hash-%d-%s", i, pad)), ClientID: "c", Subject: "s",
				IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
		}},
		{"single statement", func(s *sqlstore.Store, i int) error {
			return s.AddAuditEvent(context.Background(), store.AuditEvent{Workspace: "w", ID: fmt.Sprintf("e%d", i), At: now,
				Action: "register", Outcome: "denied", Reason: pad})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "registrar.db")
			s, err := Open(context.Background(), path, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			time.Sleep(3 * checkpointIdleEvery) // the schema's pages reach the file
			before := fileSize(t, path)
			for i := range 60 {
				if err := tc.write(s, i); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for fileSize(t, path) <= before {
				if time.Now().After(deadline) {
					t.Fatalf("the database file stayed at %d bytes: nothing checkpointed the log", before)
				}
				time.Sleep(checkpointEvery)
			}
		})
	}
}

// openWAL opens a pool on a new WAL file holding a table t.
func openWAL(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "w.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (v TEXT)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCheckpointerRestsWhileIdle: once a checkpoint has copied the whole
// log, none runs until the store counts another commit; one that a reader
// held back runs again at the next tick.
func TestCheckpointerRestsWhileIdle(t *testing.T) {
	ctx := context.Background()
	db := openWAL(t)
	var commits atomic.Uint64
	c := newCheckpointer(db, commits.Load, quiet)
	if !c.run(ctx) {
		t.Fatal("the first tick did not checkpoint what came before the count (the schema)")
	}
	if c.run(ctx) {
		t.Fatal("an idle store checkpointed again")
	}
	commits.Add(1)
	if !c.run(ctx) || c.run(ctx) {
		t.Fatal("want exactly one checkpoint after a commit")
	}

	// A reader whose snapshot predates a commit keeps that commit's frames
	// out of the file.
	reader, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := reader.ExecContext(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO t VALUES ('held back')`); err != nil {
		t.Fatal(err)
	}
	commits.Add(1)
	if !c.run(ctx) || !c.run(ctx) {
		t.Fatal("a checkpoint held back by a reader was not tried again")
	}
	if _, err := reader.ExecContext(ctx, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	if !c.run(ctx) || c.run(ctx) {
		t.Fatal("want one checkpoint once the reader is gone, then rest")
	}
}

// TestCheckpointerWarnsSparingly: a checkpoint that fails every tick is
// logged once at warn, not ten times a second.
func TestCheckpointerWarnsSparingly(t *testing.T) {
	db := openWAL(t)
	db.Close() // every checkpoint now fails
	var logged bytes.Buffer
	var commits atomic.Uint64
	c := newCheckpointer(db, commits.Load, slog.New(slog.NewTextHandler(&logged, nil)))
	for range 50 {
		commits.Add(1)
		c.run(context.Background())
	}
	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "checkpoint failed") ||
		!strings.Contains(lines[0], "database is closed") {
		t.Fatalf("logged %q; want one warning naming the failure", logged.String())
	}
	if c.failures != 49 {
		t.Fatalf("%d failures counted toward the next warning, want 49", c.failures)
	}
	// A store that is closing cancels the checkpoint: that is no failure.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.run(ctx)
	if c.failures != 49 {
		t.Fatal("a checkpoint cut short by Close counted as a failure")
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestClientReadsSeeOtherProcessesWrites: a change made through another
// connection to the file (the CLI, another node) shows at the next read,
// never a moment later. It guards against caching client reads without an
// exact invalidation (one validated by PRAGMA data_version was measured and
// cost nearly what it saved).
func TestClientReadsSeeOtherProcessesWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registrar.db")
	node, err := Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	cli, err := Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	c := client.Client{Workspace: "w", ID: "c1", SecretHash: []byte{1}, IssuedAt: now, UpdatedAt: now, Version: 1,
		Metadata: client.Metadata{ClientName: "Before", GrantTypes: []string{"client_credentials"}}}
	if err := node.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got, err := node.ClientByID(ctx, "w", "c1"); err != nil || got.Metadata.ClientName != "Before" {
			t.Fatalf("read: %+v %v", got.Metadata, err)
		}
	}
	if _, err := cli.UpdateClient(ctx, "w", "c1", func(c *client.Client) error { c.Metadata.ClientName = "After"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, err := node.ClientByID(ctx, "w", "c1"); err != nil || got.Metadata.ClientName != "After" {
		t.Fatalf("after another connection's update: %q %v", got.Metadata.ClientName, err)
	}
	if err := cli.DeleteClient(ctx, "w", "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := node.ClientByID(ctx, "w", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after another connection's delete: %v", err)
	}
}

// TestCachedClientsFollowOtherProcesses: see
// storetest.CheckCachedClientsFollowOtherNodes (here the other store is
// another process's, as the CLI's is).
func TestCachedClientsFollowOtherProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.db")
	var stores [2]store.Store
	for i := range stores {
		s, err := Open(context.Background(), path, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	storetest.CheckCachedClientsFollowOtherNodes(t, stores[0], stores[1])
}

// TestLockedFileIsUnavailableAndWritersDoNotPileUp: while another process
// holds the write lock, a write fails as ErrUnavailable once busy_timeout
// passes (a 503 for the server, not a 500), and the group commit's queue
// does not make later writers wait a budget each: they are answered with
// the first batch's failure. Nothing they tried is stored.
func TestLockedFileIsUnavailableAndWritersDoNotPileUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registrar.db")
	s, err := Open(context.Background(), path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}

	err = s.AddAuditEvent(context.Background(), store.AuditEvent{Workspace: "w", ID: "e1", At: time.Now(), Action: "register", Outcome: "denied"})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a write while another process holds the lock: %v; want ErrUnavailable", err)
	}

	const writers = 40
	start := time.Now()
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			ctx := context.Background()
			if i%2 == 0 { // half of them give up early, as a request past its budget does
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Second)
				defer cancel()
			}
			errs <- s.CreateToken(ctx, store.Token{Workspace: "w", ID: fmt.Sprintf("t%d", i), Kind: store.KindAccess,
				Format: workspace.FormatOpaque, Hash: []byte(fmt.Sprintf("h%d", i)), ClientID: "c", Subject: "s",
				IssuedAt: start, ExpiresAt: start.Add(time.Hour)})
		}()
	}
	for range writers {
		if err := <-errs; err == nil {
			t.Error("a write succeeded while the file was locked")
		}
	}
	if waited := time.Since(start); waited > sqlstore.BatchBudget {
		t.Errorf("the last of %d writers was answered after %v; one batch's budget is %v", writers, waited, sqlstore.BatchBudget)
	}

	if _, err := lock.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	for i := range writers {
		if _, err := s.TokenByID(context.Background(), "w", fmt.Sprintf("t%d", i)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("token t%d of a refused write: %v", i, err)
		}
	}
}
