-- +goose Up
-- When a token was first issued to the client: a dynamically registered
-- client that never got one may expire (registration.unused_client_ttl).
-- Clients from before this column count as used, since whether they were
-- is not known (JWT access tokens are not stored), and deleting a client
-- in use would be worse than keeping an unused one.
ALTER TABLE clients ADD COLUMN first_token_at INTEGER;
UPDATE clients SET first_token_at = issued_at;

-- Audit retention deletes by time across workspaces.
CREATE INDEX audit_by_at ON audit_events (at);

-- +goose Down
DROP INDEX audit_by_at;
ALTER TABLE clients DROP COLUMN first_token_at;
