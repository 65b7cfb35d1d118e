package server

import (
	"context"
	"sync"
	"time"

	"github.com/registrar-dev/registrar/internal/oautherr"
	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// workspaceCache answers workspace lookups from memory for ttl, because
// every request resolves its workspace and settings change rarely. A
// change made on another node is seen within ttl. Unknown names are not
// cached, so a stranger's random paths cannot fill memory.
type workspaceCache struct {
	store store.Workspaces
	ttl   time.Duration
	mu    sync.RWMutex
	items map[string]cachedWorkspace
}

type cachedWorkspace struct {
	ws      workspace.Workspace
	fetched time.Time
}

func newWorkspaceCache(st store.Workspaces, ttl time.Duration) *workspaceCache {
	return &workspaceCache{store: st, ttl: ttl, items: map[string]cachedWorkspace{}}
}

// Lookup returns the workspace, from cache when fresh; an unknown one is a
// 404 error that still matches store.ErrNotFound. When the store is
// unreachable a stale entry is served rather than failing every request.
func (c *workspaceCache) Lookup(ctx context.Context, name string) (workspace.Workspace, error) {
	c.mu.RLock()
	item, ok := c.items[name]
	c.mu.RUnlock()
	if ok && time.Since(item.fetched) < c.ttl {
		return item.ws, nil
	}
	ws, err := c.store.WorkspaceByName(ctx, name)
	if err != nil {
		if ok && !isNotFound(err) {
			return item.ws, nil
		}
		if isNotFound(err) {
			return ws, oautherr.New(oautherr.NotFound, "no such workspace").WithCause(err)
		}
		return ws, err
	}
	c.mu.Lock()
	c.items[name] = cachedWorkspace{ws: ws, fetched: time.Now()}
	c.mu.Unlock()
	return ws, nil
}
