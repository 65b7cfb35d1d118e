package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// testStore is a Store of dialect d over one connection to a new SQLite
// file, closed at cleanup; db is that connection's pool.
func testStore(t *testing.T, d Dialect) (*Store, *sql.DB) {
	t.Helper()
	// The store's own background reads may hold the file a moment when a
	// test writes: wait for them rather than fail with SQLITE_BUSY.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	s := New(db, db, d)
	t.Cleanup(func() { s.Close() })
	return s, db
}

// errDeadlock stands for a retryable database error, such as the deadlock
// PostgreSQL breaks by failing one statement (40P01).
var errDeadlock = errors.New("deadlock detected")

// TestRetryableWriteIsRunAgain: a write of a batch that fails with a
// retryable error was rolled back, and the error is the database's, not
// the caller's; it runs again on its own instead of reaching a request as
// a 500.
func TestRetryableWriteIsRunAgain(t *testing.T) {
	s, db := testStore(t, Dialect{
		IsUnique:      func(error) bool { return false },
		IsRetryable:   func(err error) bool { return errors.Is(err, errDeadlock) },
		IsUnavailable: func(error) bool { return false },
	})
	if _, err := db.Exec("CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err := s.batched(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		if calls++; calls == 1 {
			return errDeadlock
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (1)")
		return err
	})
	var rows int
	db.QueryRow("SELECT count(*) FROM t").Scan(&rows)
	if err != nil || calls != 2 || rows != 1 {
		t.Fatalf("err %v after %d runs, %d rows; want the write run again and stored once", err, calls, rows)
	}
}

// TestFlowWriteOvertakesABatchInProgress: with two committers on the
// browser flow's lane, a flow write queued while a batch of that lane is
// running commits without waiting for that batch.
func TestFlowWriteOvertakesABatchInProgress(t *testing.T) {
	s, db := testStore(t, Dialect{
		IsUnique:      func(error) bool { return false },
		IsRetryable:   func(error) bool { return false },
		IsUnavailable: func(error) bool { return false },
		GroupCommits:  2,
	})
	db.SetMaxOpenConns(2) // one per batch in flight
	if _, err := db.Exec("CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	running, overtaken := make(chan struct{}), make(chan error, 1)
	first := make(chan error, 1)
	go func() {
		first <- s.batchedFlow(ctx, func(context.Context, *sql.Tx) error {
			close(running)
			select {
			case err := <-overtaken:
				overtaken <- err
				return nil
			case <-time.After(10 * time.Second):
				return errors.New("the second write waited for this batch")
			}
		})
	}()
	<-running
	overtaken <- s.batchedFlow(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (2)")
		return err
	})
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-overtaken; err != nil {
		t.Fatalf("second write: %v", err)
	}
}

// TestCloseAnswersEveryWriteOnBothLanes: with two committers on the flow
// lane beside the other lane's one, closing the store while writers keep
// coming returns, and every writer gets an answer: its commit, or
// errClosed for a write that never ran.
func TestCloseAnswersEveryWriteOnBothLanes(t *testing.T) {
	// Two write transactions at once on SQLite: one waits for the other.
	dsn := "file:" + filepath.Join(t.TempDir(), "t.db") + "?_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	// Close closes db: the rows are counted through a pool of their own.
	counter, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer counter.Close()
	db.SetMaxOpenConns(2)
	if _, err := db.Exec("CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	s := New(db, db, Dialect{
		IsUnique:      func(error) bool { return false },
		IsRetryable:   func(error) bool { return false },
		IsUnavailable: func(error) bool { return false },
		GroupCommits:  2,
	})
	const writers = 200
	answers := make(chan error, writers)
	for i := range writers {
		write := s.batched
		if i%2 == 0 {
			write = s.batchedFlow
		}
		go func() {
			answers <- write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
				time.Sleep(time.Millisecond) // a round trip: batches are still running at Close
				_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (?)", i)
				return err
			})
		}()
	}
	time.Sleep(5 * time.Millisecond) // some commit, some are queued, some still come
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return")
	}
	var atClose int
	if err := counter.QueryRow("SELECT count(*) FROM t").Scan(&atClose); err != nil {
		t.Fatal(err)
	}
	committed := 0
	for range writers {
		select {
		case err := <-answers:
			switch {
			case err == nil:
				committed++
			case !errors.Is(err, errClosed):
				t.Errorf("a write failed with %v; want its commit or %v", err, errClosed)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("a writer got no answer")
		}
	}
	time.Sleep(50 * time.Millisecond) // for a committer Close did not wait for
	var rows int
	if err := counter.QueryRow("SELECT count(*) FROM t").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != committed || rows != atClose {
		t.Errorf("%d rows stored when Close returned, %d at the end, %d writes answered as committed; want one figure: nothing commits after Close", atClose, rows, committed)
	}
}
