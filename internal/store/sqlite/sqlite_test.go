package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/storetest"
)

// TestConformance runs the suite on a real file in WAL mode, as in production.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "registrar.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestWALCheckpointedBesideTheWriter: these commits stay below the 1,000
// pages at which a commit checkpoints by itself, so the database file grows
// only if the background checkpoint copies the log into it.
func TestWALCheckpointedBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registrar.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.Sleep(3 * checkpointEvery) // the schema's pages reach the file
	before := fileSize(t, path)
	now := time.Now()
	for i := range 60 {
		tok := store.Token{Workspace: "w", ID: fmt.Sprintf("t%d", i), Kind: store.KindAccess, Format: store.FormatOpaque,
			Hash: []byte(fmt.Sprintf("hash-%d-%s", i, strings.Repeat("x", 200))), ClientID: "c", Subject: "s",
			IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateToken(ctx, tok); err != nil {
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
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
