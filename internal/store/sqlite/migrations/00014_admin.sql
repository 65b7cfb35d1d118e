-- +goose Up
-- The admin API and console.
--
-- A client an operator disabled: it may not authenticate, start an
-- authorization or manage itself until enabled again. NULL while enabled.
ALTER TABLE clients ADD COLUMN disabled_at INTEGER;
-- What the operator's client list filters and searches on, kept beside
-- the metadata JSON so that an index serves them: the software_id, and
-- the client's name and id lowercased (the store writes them; rows made
-- before this migration are filled from the metadata here).
ALTER TABLE clients ADD COLUMN software_id TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE clients SET software_id = COALESCE(json_extract(metadata, '$.software_id'), ''),
    search_text = lower(COALESCE(json_extract(metadata, '$.client_name'), '')) || char(10) || lower(id);
-- Keyset paging newest first, per filter: by origin (dcr or the
-- operator's), by software_id; clients_by_issued serves the rest, and
-- now carries search_text, so that a search that matches few clients
-- walks the index alone rather than fetching every row to test it.
DROP INDEX clients_by_issued;
CREATE INDEX clients_by_issued ON clients (workspace, issued_at, id, search_text);
CREATE INDEX clients_by_origin ON clients (workspace, origin, issued_at, id);
CREATE INDEX clients_by_software ON clients (workspace, software_id, issued_at, id);
-- An audit trail paged by (at, id), and one client's trail.
CREATE INDEX audit_by_client ON audit_events (workspace, client_id, at, id);

-- Bearer tokens of the admin API, kept as keyed hashes only.
CREATE TABLE admin_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE UNIQUE INDEX admin_tokens_by_hash ON admin_tokens (hash);

-- +goose Down
DROP TABLE admin_tokens;
DROP INDEX audit_by_client;
DROP INDEX clients_by_software;
DROP INDEX clients_by_origin;
DROP INDEX clients_by_issued;
CREATE INDEX clients_by_issued ON clients (workspace, issued_at, id);
ALTER TABLE clients DROP COLUMN search_text;
ALTER TABLE clients DROP COLUMN software_id;
ALTER TABLE clients DROP COLUMN disabled_at;
