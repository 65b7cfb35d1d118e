package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Group commit. Writers on hot paths (registrations, opaque tokens) hand
// their work to one goroutine, which runs everything queued so far in one
// transaction and commits once. Every caller gets its own result, and only
// after the COMMIT, so an acknowledged write is as durable as before —
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

type batchOp struct {
	fn   func(tx *sql.Tx) error
	done chan error
}

// errClosed: the store was closed before the write could run.
var errClosed = errors.New("store closed")

func (s *Store) startBatcher() {
	s.batch = make(chan batchOp, 4*maxBatch)
	s.quit = make(chan struct{})
	s.batcherDone = make(chan struct{})
	go s.runBatches()
}

func (s *Store) stopBatcher() {
	close(s.quit)
	<-s.batcherDone
}

// batched runs fn in the next shared transaction and waits for the commit.
func (s *Store) batched(ctx context.Context, fn func(tx *sql.Tx) error) error {
	op := batchOp{fn: fn, done: make(chan error, 1)}
	select {
	case s.batch <- op:
	case <-s.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the write will run; wait for its outcome even if the
	// caller gives up, so nothing is reported that did not happen.
	return <-op.done
}

func (s *Store) runBatches() {
	defer close(s.batcherDone)
	for {
		var first batchOp
		select {
		case first = <-s.batch:
		case <-s.quit:
			s.failQueued()
			return
		}
		ops := []batchOp{first}
	collect:
		for len(ops) < maxBatch {
			select {
			case op := <-s.batch:
				ops = append(ops, op)
			default:
				break collect
			}
		}
		s.commitBatch(ops)
	}
}

func (s *Store) failQueued() {
	for {
		select {
		case op := <-s.batch:
			op.done <- errClosed
		default:
			return
		}
	}
}

// batchBudget bounds one batch. Its writers wait for its outcome whatever
// their own deadlines, so it is kept under the server's request budget:
// a database that hangs, or a SQLite file another process keeps locked,
// then costs them a 503 in about that time, not a wait past shutdown.
const batchBudget = 8 * time.Second

func (s *Store) commitBatch(ops []batchOp) {
	ctx, cancel := context.WithTimeout(context.Background(), batchBudget)
	defer cancel()
	results, err := s.tryBatch(ctx, ops, false)
	if errors.Is(err, errPieceFailed) {
		results, err = s.tryBatch(ctx, ops, true)
	}
	if err != nil && s.dialect.IsRetryable(err) {
		// A serialization failure aborts the whole batch; run each write
		// on its own, with the usual retries.
		for i, op := range ops {
			results[i] = s.tx(ctx, op.fn)
		}
		err = nil
	}
	for i, op := range ops {
		if err != nil {
			op.done <- err
		} else {
			op.done <- results[i]
		}
	}
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
	tx, err := s.write.BeginTx(ctx, nil)
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
		if results[i] = op.fn(tx); results[i] != nil {
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
	if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
		return nil, err
	}
	if opErr = op.fn(tx); opErr != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT w"); err != nil {
			return opErr, err
		}
	}
	_, txErr = tx.ExecContext(ctx, "RELEASE SAVEPOINT w")
	return opErr, txErr
}
