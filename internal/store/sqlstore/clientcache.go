package sqlstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/registrar-dev/registrar/internal/client"
)

// The client cache serves token requests their client without a read.
// It must never serve a client that was changed for long:
//
//   - a change made through this store (an update, a delete, a rotated
//     secret, a first token) drops the client when the write has
//     committed, and bumps the cache's epoch, so that a read which began
//     before the write, and so may have seen the old row, cannot put it
//     back;
//   - a change made anywhere else (another node, a CLI on the same SQLite
//     file) bumps client_changes.generation by trigger, in the transaction
//     that makes it; the store reads that one row every
//     clientChangesInterval and empties the cache when it moved. Should it
//     fail to read it for ClientCacheBound, the cache is bypassed until a
//     read succeeds again.
//
// Only clients found are kept: a client created elsewhere is read from
// the database until it has been cached.

// ClientCacheBound is how long a change made elsewhere may go unseen by a
// node's client cache, at most.
const ClientCacheBound = time.Second

// clientChangesInterval is how often the change counter is read.
const clientChangesInterval = 250 * time.Millisecond

// maxCachedClients bounds the cache; a full cache is emptied, and the
// clients in use come back with their next request.
const maxCachedClients = 10_000

type clientKey struct{ ws, id string }

type clientCache struct {
	mu      sync.Mutex
	clients map[clientKey]client.Client
	// epoch counts the times entries were dropped: a read fills the cache
	// only if no drop happened since it began.
	epoch uint64
	// generation is the change counter as last read, and checked when it
	// was (the start of that read); zero time: never.
	generation int64
	checked    time.Time
}

func newClientCache() *clientCache {
	return &clientCache{clients: map[clientKey]client.Client{}}
}

// lookup returns the cached client, if the cache may serve one now, and
// the epoch to hand to fill after reading it from the database.
func (c *clientCache) lookup(k clientKey, now time.Time) (client.Client, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.checked) >= ClientCacheBound {
		return client.Client{}, false, c.epoch - 1 // never equal: fill keeps nothing
	}
	cl, ok := c.clients[k]
	return cl, ok, c.epoch
}

// fill keeps cl if nothing was dropped since the read that found it began.
func (c *clientCache) fill(k clientKey, cl client.Client, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if len(c.clients) >= maxCachedClients {
		clear(c.clients)
	}
	c.clients[k] = cl
}

// drop forgets one client, after this store changed it.
func (c *clientCache) drop(k clientKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.clients, k)
	c.epoch++
}

// observe records the change counter read at at, emptying the cache when
// it moved.
func (c *clientCache) observe(generation int64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.generation || c.checked.IsZero() {
		clear(c.clients)
		c.epoch++
		c.generation = generation
	}
	c.checked = at
}

// CachedClientByID is ClientByID served from the node's client cache:
// see ClientCacheBound for how stale it may be.
func (s *Store) CachedClientByID(ctx context.Context, ws, id string) (client.Client, error) {
	k := clientKey{ws, id}
	cl, ok, epoch := s.clientCache.lookup(k, time.Now())
	if ok {
		return owned(cl), nil
	}
	cl, err := s.ClientByID(ctx, ws, id)
	if err == nil {
		s.clientCache.fill(k, owned(cl), epoch)
	}
	return cl, err
}

// owned copies what a caller could change in place, so that no caller
// changes what the cache hands the next.
func owned(cl client.Client) client.Client {
	cl.Metadata = cl.Metadata.Clone()
	cl.SecretHash = slices.Clone(cl.SecretHash)
	cl.RegistrationTokenHash = slices.Clone(cl.RegistrationTokenHash)
	cl.PreviousRegistrationTokenHash = slices.Clone(cl.PreviousRegistrationTokenHash)
	cl.SealedSecret = slices.Clone(cl.SealedSecret)
	return cl
}

// clientChanged drops a client this store has just changed.
func (s *Store) clientChanged(ws, id string) { s.clientCache.drop(clientKey{ws, id}) }

// watchClientChanges reads the change counter every interval until ctx
// is done.
func (s *Store) watchClientChanges(ctx context.Context) {
	t := time.NewTicker(clientChangesInterval)
	defer t.Stop()
	for {
		at := time.Now()
		var generation int64
		rctx, cancel := context.WithTimeout(ctx, ClientCacheBound)
		err := s.readRow(rctx, `SELECT generation FROM client_changes WHERE id = 1`).Scan(&generation)
		cancel()
		if err == nil {
			s.clientCache.observe(generation, at)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
