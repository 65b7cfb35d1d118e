package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/registrar-dev/registrar/internal/store"
	"github.com/registrar-dev/registrar/internal/workspace"
)

func (s *Store) CreateWorkspace(ctx context.Context, w workspace.Workspace) error {
	settings, err := jsonText(w.Settings)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, s.write, `INSERT INTO workspaces (name, settings, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		w.Name, settings, ts(w.CreatedAt), ts(w.UpdatedAt))
	return err
}

func (s *Store) WorkspaceByName(ctx context.Context, name string) (workspace.Workspace, error) {
	row := s.readRow(ctx, `SELECT name, settings, created_at, updated_at FROM workspaces WHERE name = ?`, name)
	return scanWorkspace(row, s)
}

func scanWorkspace(row rowScanner, s *Store) (workspace.Workspace, error) {
	var w workspace.Workspace
	var settings string
	var created, updated sql.NullInt64
	if err := row.Scan(&w.Name, &settings, &created, &updated); err != nil {
		return w, s.wrap(err)
	}
	w.CreatedAt, w.UpdatedAt = fromTS(created), fromTS(updated)
	return w, json.Unmarshal([]byte(settings), &w.Settings)
}

func (s *Store) ListWorkspaces(ctx context.Context) ([]workspace.Workspace, error) {
	rows, err := s.readRows(ctx, `SELECT name, settings, created_at, updated_at FROM workspaces ORDER BY name`)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []workspace.Workspace
	for rows.Next() {
		w, err := scanWorkspace(rows, s)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, s.wrap(rows.Err())
}

func (s *Store) UpdateWorkspaceSettings(ctx context.Context, name string, settings workspace.Settings, at time.Time) error {
	text, err := jsonText(settings)
	if err != nil {
		return err
	}
	n, err := s.exec(ctx, s.write, `UPDATE workspaces SET settings = ?, updated_at = ? WHERE name = ?`, text, ts(at), name)
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

func (s *Store) ClaimBootstrap(ctx context.Context, name string, at time.Time) (bool, error) {
	n, err := s.exec(ctx, s.write, `UPDATE workspaces SET bootstrapped_at = ? WHERE name = ? AND bootstrapped_at IS NULL`, ts(at), name)
	if err != nil || n == 1 {
		return n == 1, err
	}
	if _, err := s.WorkspaceByName(ctx, name); err != nil {
		return false, err
	}
	return false, nil
}
