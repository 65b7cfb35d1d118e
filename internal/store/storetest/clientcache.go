package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/registrar-dev/registrar/internal/client"
	"github.com/registrar-dev/registrar/internal/store"
)

// reads counts the statements that read s has sent so far.
func reads(t *testing.T, s store.Store) uint64 {
	t.Helper()
	counting, ok := s.(interface{ Activity() store.Activity })
	if !ok {
		t.Fatalf("%T does not count its statements", s)
	}
	return counting.Activity().Reads
}

// cachedRead reads c1 from the client cache, waiting for the cache to
// serve it without a statement (it serves nothing until it has read the
// change counter once), and returns it.
func cachedRead(t *testing.T, s store.Store, ws, id string) client.Client {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.CachedClientByID(ctx, ws, id); err != nil {
			t.Fatal(err)
		}
		before := reads(t, s)
		got, err := s.CachedClientByID(ctx, ws, id)
		if err != nil {
			t.Fatal(err)
		}
		if reads(t, s) == before {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatal("the client cache never served a client without reading it")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testCachedClientSeesOwnChangesAtOnce: once cached, a client is served
// without a read, each caller gets its own copy, and every change made
// through the same store shows at the very next read.
func testCachedClientSeesOwnChangesAtOnce(t *testing.T, s store.Store) {
	want := sampleClient("w", "c1")
	if err := s.CreateClient(ctx, want); err != nil {
		t.Fatal(err)
	}
	first := cachedRead(t, s, "w", "c1")
	first.Metadata.RedirectURIs[0] = "https://evil.example/cb"
	first.SecretHash[0] ^= 0xff
	if again, _ := s.CachedClientByID(ctx, "w", "c1"); !cmp.Equal(want, again) {
		t.Fatalf("changing one cached read changed the next:\n%s", cmp.Diff(want, again))
	}
	if _, err := s.UpdateClient(ctx, "w", "c1", func(c *client.Client) error { c.SecretHash = []byte("rotated"); return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.CachedClientByID(ctx, "w", "c1"); string(got.SecretHash) != "rotated" {
		t.Fatalf("a cached read after a rotation sees secret hash %q", got.SecretHash)
	}
	cachedRead(t, s, "w", "c1")
	if err := s.MarkClientUsed(ctx, "w", "c1", t0); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.CachedClientByID(ctx, "w", "c1"); !got.FirstTokenAt.Equal(t0) {
		t.Fatalf("a cached read after the first token sees first_token_at %v", got.FirstTokenAt)
	}
	cachedRead(t, s, "w", "c1")
	if err := s.DeleteClient(ctx, "w", "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CachedClientByID(ctx, "w", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a cached read after a delete: %v, want ErrNotFound", err)
	}
}

// CheckCachedClientsFollowOtherNodes: a change made through another store
// on the same database (another node, the CLI) reaches node's client
// cache within a bounded time (a second; the test allows ten, for a
// loaded machine), and a client deleted there is refused.
func CheckCachedClientsFollowOtherNodes(t *testing.T, node, other store.Store) {
	c := sampleClient("w", "c1")
	if err := other.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	cachedRead(t, node, "w", "c1")
	if _, err := other.UpdateClient(ctx, "w", "c1", func(c *client.Client) error { c.Metadata.ClientName = "After"; return nil }); err != nil {
		t.Fatal(err)
	}
	eventually(t, "another node's update", func() bool {
		got, err := node.CachedClientByID(ctx, "w", "c1")
		return err == nil && got.Metadata.ClientName == "After"
	})
	cachedRead(t, node, "w", "c1")
	if err := other.DeleteClient(ctx, "w", "c1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "another node's delete", func() bool {
		_, err := node.CachedClientByID(ctx, "w", "c1")
		return errors.Is(err, store.ErrNotFound)
	})
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the client cache still serves what was there before %s", what)
		}
	}
}
