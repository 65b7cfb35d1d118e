-- +goose Up
-- When serve handed out the workspace's bootstrap client. A column rather
-- than "serve created the workspace" because any CLI command may create
-- the default workspace first; claiming it is one conditional UPDATE, so
-- of several nodes starting together exactly one prints a bootstrap client.
ALTER TABLE workspaces ADD COLUMN bootstrapped_at INTEGER;
-- Stores made before this column: a workspace with clients is settled.
UPDATE workspaces SET bootstrapped_at = created_at
    WHERE EXISTS (SELECT 1 FROM clients WHERE clients.workspace = workspaces.name);

-- +goose Down
ALTER TABLE workspaces DROP COLUMN bootstrapped_at;
