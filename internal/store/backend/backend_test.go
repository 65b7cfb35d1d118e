package backend

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSQLitePath(t *testing.T) {
	tests := []struct {
		dsn    string
		path   string
		sqlite bool
	}{
		{"sqlite:registrar.db", "registrar.db", true},
		{"sqlite:///var/lib/registrar.db", "/var/lib/registrar.db", true},
		{"sqlite://data/r.db", "data/r.db", true},
		{"sqlite:", "", true},
		{"sqlite://", "", true},
		{"postgres://u@h/db", "", false},
		{"registrar.db", "", false},
		{"SQLITE:r.db", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			path, ok := SQLitePath(tt.dsn)
			if path != tt.path || ok != tt.sqlite {
				t.Errorf("SQLitePath(%q) = %q, %v; want %q, %v", tt.dsn, path, ok, tt.path, tt.sqlite)
			}
		})
	}
}

// Open creates the file SQLitePath names, and refuses an empty one.
func TestOpenUsesSQLitePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.db")
	st, err := Open(context.Background(), "sqlite://"+path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Open did not create %s: %v", path, err)
	}
	for _, dsn := range []string{"sqlite:", "sqlite://"} {
		if _, err := Open(context.Background(), dsn, nil); err == nil || !strings.Contains(err.Error(), "name a file") {
			t.Errorf("Open(%q) = %v; want the name-a-file error", dsn, err)
		}
	}
}
