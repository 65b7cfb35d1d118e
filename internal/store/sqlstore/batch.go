package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
)

// Group commit. Writers on hot paths (registrations, opaque tokens, the
// browser flow) hand their work to a lane's committer, which runs
// everything queued so far in one transaction and commits once. Every
// caller gets its own result, and only after the COMMIT, so an
// acknowledged write is as durable as before —
// there are just fewer commits (and WAL writes or fsyncs) for the same
// work. While one batch commits, the next one forms, so an idle server adds
// no latency.
//
// A piece that fails must not take the others with it. Pieces rarely fail
// (a used-up initial access token, a replayed code), so a batch first runs
// without savepoints; if a piece fails, the transaction is rolled back and
// the batch runs again with each piece inside its own SAVEPOINT, where a
// failure rolls back that piece alone. Savepoints cost two statements per
// piece (two round trips on PostgreSQL), a fifth of the batch's time on
// SQLite when every batch paid for them.

// maxBatch bounds how many writes share one commit.
const maxBatch = 128

// batchFunc is one write of a batch. It must use the ctx it is given, the
// batch's, not its caller's: a caller whose deadline passes mid-statement
// would otherwise fail the shared transaction (pgx closes the connection)
// and with it every other writer of the batch.
type batchFunc func(ctx context.Context, tx *sql.Tx) error

type batchOp struct {
	ctx  context.Context // the caller's: a write whose caller gave up before it ran is skipped
	fn   batchFunc
	done chan error
}

// errClosed: the store was closed before the write could run.
var errClosed = errors.New("store closed")

// A lane is a queue of writes and the group commits that take from it.
// One batch forms at a time; with several committers, the next batch forms
// and runs while the previous one waits for its COMMIT. On PostgreSQL a
// batch spends most of its time in round trips and the WAL flush, and a
// flow that writes twice in a row (a code, then its redemption) waited for
// the batch in progress and then its own.
type lane struct {
	ops chan batchOp
	// forming is held by the committer collecting a batch, so that
	// writes queue into one batch rather than being split among idle
	// committers.
	forming sync.Mutex
}

func newLane() *lane { return &lane{ops: make(chan batchOp, 4*maxBatch)} }

// startBatcher starts the group commits. Where the dialect runs several
// at once (Dialect.GroupCommits; SQLite's single writer has one lane and
// one group commit for every write), the browser flow's writes (sessions,
// codes, their redemption, refresh rotations) have a lane of their own with
// that many committers: a flow writes twice or more one after the other,
// each time waiting for a batch, and on PostgreSQL a batch is mostly round
// trips and the WAL flush. These writes share no row that another holds a
// lock on for long. The other lane, with one committer, keeps:
//   - tokens and spent assertion ids: a request writes once, and one
//     committer makes the largest batches, the fewest commits per request
//     (two committers doubled them and cost cc-opaque a third more CPU
//     per request);
//   - registrations: they all update their initial access token's row, so
//     two batches at once wait for each other's row lock (measured: twice
//     the commits per registration, no more registrations per second,
//     even with the update moved to the end of each batch).
func (s *Store) startBatcher() {
	s.quit = make(chan struct{})
	s.batcherDone = make(chan struct{})
	s.batch = newLane()
	s.flows = s.batch
	var running sync.WaitGroup
	running.Go(func() { s.runBatches(s.batch) })
	if committers := s.dialect.GroupCommits; committers > 1 {
		s.flows = newLane()
		for range committers {
			running.Go(func() { s.runBatches(s.flows) })
		}
	}
	go func() { running.Wait(); close(s.batcherDone) }()
}

func (s *Store) stopBatcher() {
	close(s.quit)
	<-s.batcherDone
}

// batched runs fn in the next shared transaction and waits for the commit.
func (s *Store) batched(ctx context.Context, fn batchFunc) error {
	return s.enqueue(ctx, s.batch, fn)
}

// batchedFlow is batched on the browser flow's lane.
func (s *Store) batchedFlow(ctx context.Context, fn batchFunc) error {
	return s.enqueue(ctx, s.flows, fn)
}

func (s *Store) enqueue(ctx context.Context, l *lane, fn batchFunc) error {
	op := batchOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case l.ops <- op:
	case <-s.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the write runs, unless its caller has given up by then
	// (commitBatch skips it); wait for the outcome either way, so nothing
	// is reported that did not happen. A write queued as the store closed
	// may find the batcher gone: then it never ran.
	select {
	case err := <-op.done:
		return err
	case <-s.batcherDone:
		select {
		case err := <-op.done:
			return err
		default:
			return errClosed
		}
	}
}

func (s *Store) runBatches(l *lane) {
	for {
		ops, ok := s.nextBatch(l)
		if !ok {
			return
		}
		s.commitBatch(l, ops)
	}
}

// nextBatch waits for a write and collects the batch it starts; false
// once the store closes.
func (s *Store) nextBatch(l *lane) ([]batchOp, bool) {
	l.forming.Lock()
	defer l.forming.Unlock()
	select {
	case first := <-l.ops:
		return l.collect([]batchOp{first}), true
	case <-s.quit:
		l.failQueuedWith(errClosed)
		return nil, false
	}
}

// maxYields bounds how many times collect lets other goroutines run
// before it commits.
const maxYields = 4

// collect adds to ops the writes queued meanwhile. When some came, it
// lets the goroutines ready to run go first, once per round, while that
// brings more: under load they are handlers about to queue their writes,
// and a commit costs the same for one write as for many (on SQLite it
// was a third of a private_key_jwt request's store work with batches of
// 1.7). Idle, a yield returns at once: no write waits for a timer.
func (l *lane) collect(ops []batchOp) []batchOp {
	for yields := 0; ; yields++ {
		n := len(ops)
	drain:
		for len(ops) < maxBatch {
			select {
			case op := <-l.ops:
				ops = append(ops, op)
			default:
				break drain
			}
		}
		if len(ops) == maxBatch || yields == maxYields || (yields > 0 && len(ops) == n) {
			return ops
		}
		runtime.Gosched()
	}
}

// failQueuedWith answers every write queued now with err.
func (l *lane) failQueuedWith(err error) {
	for {
		select {
		case op := <-l.ops:
			op.done <- err
		default:
			return
		}
	}
}

// BatchBudget bounds one batch. Its writers wait for its outcome whatever
// their own deadlines, so it is kept under the server's request budget:
// a database that hangs, or a SQLite file another process keeps locked,
// then costs them a 503 in about that time, not a wait past shutdown.
const BatchBudget = 8 * time.Second

func (s *Store) commitBatch(l *lane, ops []batchOp) {
	ops = skipAbandoned(ops)
	if len(ops) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), BatchBudget)
	defer cancel()
	results, err := s.tryBatch(ctx, ops, false)
	if errors.Is(err, errPieceFailed) {
		results, err = s.tryBatch(ctx, ops, true)
	}
	if err != nil && s.dialect.IsRetryable(err) {
		// A serialization failure aborts the whole batch: every write
		// failed with it, and retryAlone runs each on its own.
		for i := range results {
			results[i] = err
		}
		err = nil
	}
	if err == nil {
		s.retryAlone(ctx, ops, results)
	}
	for i, op := range ops {
		if err != nil {
			op.done <- err
		} else {
			op.done <- results[i]
		}
	}
	if errors.Is(err, store.ErrUnavailable) {
		// The writes queued meanwhile would each wait a whole budget for
		// the same answer: a database that hangs would keep writers
		// waiting long past their deadlines and the shutdown drain.
		l.failQueuedWith(err)
	}
}

// retryAlone runs again, each on its own with the usual retries, the
// writes that failed with a retryable error (a deadlock PostgreSQL broke by
// failing one statement, inside a savepoint or a batch of one): their
// effects were rolled back, and the error is the database's, not the
// caller's, so it must not reach a request as a 500.
func (s *Store) retryAlone(ctx context.Context, ops []batchOp, results []error) {
	for i, op := range ops {
		if results[i] != nil && s.dialect.IsRetryable(results[i]) {
			results[i] = s.tx(ctx, func(tx *sql.Tx) error { return op.fn(ctx, tx) })
		}
	}
}

// skipAbandoned answers, without running them, the writes whose callers
// gave up while they were queued, and returns the others.
func skipAbandoned(ops []batchOp) []batchOp {
	live := ops[:0]
	for _, op := range ops {
		if err := op.ctx.Err(); err != nil {
			op.done <- err
			continue
		}
		live = append(live, op)
	}
	return live
}

// errPieceFailed: a piece of a batch run without savepoints failed, so
// the whole transaction was rolled back.
var errPieceFailed = errors.New("a write of the batch failed")

// tryBatch runs ops in one transaction; the returned error is the
// transaction's own (begin or commit), which every op then shares, or
// errPieceFailed when an op failed outside a savepoint. A batch of one needs
// no savepoint: its failure rolls back nothing else.
func (s *Store) tryBatch(ctx context.Context, ops []batchOp, savepoints bool) ([]error, error) {
	results := make([]error, len(ops))
	tx, err := s.write.BeginTx(ctx, s.dialect.WriteTx)
	if err != nil {
		return results, s.wrap(err)
	}
	for i, op := range ops {
		if savepoints {
			results[i], err = s.runInSavepoint(ctx, tx, op)
			if err != nil {
				tx.Rollback()
				return results, s.wrap(err)
			}
			continue
		}
		if results[i] = op.fn(ctx, tx); results[i] != nil {
			tx.Rollback()
			if len(ops) == 1 {
				return results, nil
			}
			return results, errPieceFailed
		}
	}
	return results, s.commit(tx)
}

// runInSavepoint runs op so that its failure undoes op alone; the second
// result is the transaction's failure.
func (s *Store) runInSavepoint(ctx context.Context, tx *sql.Tx, op batchOp) (opErr, txErr error) {
	s.writes.Add(2) // SAVEPOINT and RELEASE
	if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
		return nil, err
	}
	if opErr = op.fn(ctx, tx); opErr != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT w"); err != nil {
			return opErr, err
		}
	}
	_, txErr = tx.ExecContext(ctx, "RELEASE SAVEPOINT w")
	return opErr, txErr
}
