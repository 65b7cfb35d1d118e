package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/store/backend"
	"github.com/registrar-dev/registrar/internal/workspace"
)

// storeCeilingName names the ceiling of the workloads that write: one
// committed INSERT per request.
const storeCeilingName = "ceiling: net/http + one store insert"

// storeCeiling measures a handler that stores one token-sized row per
// request through the store the server runs on (its own SQLite file beside
// the server's, or the server's PostgreSQL database), with the same
// durability and the same group commit: what any workload that must write
// once can hope for on this machine now.
func storeCeiling(ctx context.Context, t *target, o Options) (Result, error) {
	dsn := t.db
	if _, sqlite := backend.SQLitePath(dsn); sqlite {
		dsn = "sqlite:" + filepath.Join(t.dir, "ceiling.db")
	}
	st, err := backend.Open(ctx, dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return Result{}, fmt.Errorf("store ceiling: %w", err)
	}
	defer st.Close()
	return ceiling(ctx, storeCeilingName, insertHandler(st), o)
}

// insertHandler stores an opaque access token's record per request, as
// cc-opaque does, and answers as bareHandler does.
func insertHandler(st store.Store) http.Handler {
	body := []byte(`{"access_token":"x","token_type":"Bearer","expires_in":600}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, hash := make([]byte, 16), make([]byte, 32)
		rand.Read(id)
		rand.Read(hash)
		now := time.Now()
		err := st.CreateToken(r.Context(), store.Token{
			Workspace: "ceiling", ID: hex.EncodeToString(id), Kind: store.KindAccess, Format: workspace.FormatOpaque,
			Hash: hash, ClientID: "ceiling-client", Subject: "ceiling-client", Scope: "profile",
			IssuedAt: now, ExpiresAt: now.Add(10 * time.Minute),
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

// standsOn names the ceiling each workload is read against: what it must
// do at least (sign a JWT, commit a write), or the bare handler.
func standsOn(workload string) string {
	switch {
	case workload == "cc-jwt":
		return "ceiling: net/http + one ES256 JWT"
	case workload == "cc-opaque", workload == "cc-private-key-jwt", workload == "code-flow",
		strings.HasPrefix(workload, "register"):
		return storeCeilingName
	}
	return "ceiling: bare net/http JSON"
}

// ofCeiling is a workload's rate over its ceiling's, 0 if not measured.
func ofCeiling(rep Report, r Result) float64 {
	for _, c := range rep.Ceilings {
		if c.Name == standsOn(r.Name) && c.PerSecond > 0 {
			return r.PerSecond / c.PerSecond
		}
	}
	return 0
}

// ceilingGoals are the floors of the workloads read against their
// ceilings, measured in the same run.
var ceilingGoals = []struct {
	workload string
	min      float64
}{
	{"cc-jwt", 0.8},
	{"cc-opaque", 0.8},
	{"register", 0.5},
}

func ceilingTargets(rep Report) []goal {
	var out []goal
	for _, g := range ceilingGoals {
		for _, r := range rep.Workloads {
			if r.Name != g.workload {
				continue
			}
			ratio := ofCeiling(rep, r)
			if ratio == 0 { // its ceiling was not measured
				continue
			}
			met := ratio >= g.min
			out = append(out, goal{what: fmt.Sprintf("%s ≥ %.0f%% of %s (same run)", r.Name, 100*g.min, strings.TrimPrefix(standsOn(r.Name), "ceiling: ")),
				measured: fmt.Sprintf("%.0f%%", 100*ratio), met: met, metScaled: met})
		}
	}
	return out
}
