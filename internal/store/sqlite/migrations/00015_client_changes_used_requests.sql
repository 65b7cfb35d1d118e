-- +goose Up
-- A counter of changes to clients, bumped in the transaction that makes
-- the change, whoever makes it (this node, another process on the same
-- file): each node reads it a few times a second and empties its client
-- cache when it moved. Inserts need no bump: only clients found are cached.
CREATE TABLE client_changes (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO client_changes (id, generation) VALUES (1, 0);

-- +goose StatementBegin
CREATE TRIGGER clients_updated AFTER UPDATE ON clients
BEGIN
    UPDATE client_changes SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER clients_deleted AFTER DELETE ON clients
BEGIN
    UPDATE client_changes SET generation = generation + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- Used requests (each private_key_jwt assertion's jti, each signed body's)
-- kept in the primary key's own b-tree: a rowid table wrote the row and
-- its key index, two b-trees besides the expiry index, on a hot path.
CREATE TABLE used_requests_keyed (
    workspace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, id)
) WITHOUT ROWID;
INSERT INTO used_requests_keyed (workspace, id, expires_at) SELECT workspace, id, expires_at FROM used_requests;
DROP TABLE used_requests;
ALTER TABLE used_requests_keyed RENAME TO used_requests;
CREATE INDEX used_requests_by_expiry ON used_requests (expires_at);

-- +goose Down
CREATE TABLE used_requests_rowid (
    workspace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, id)
);
INSERT INTO used_requests_rowid (workspace, id, expires_at) SELECT workspace, id, expires_at FROM used_requests;
DROP TABLE used_requests;
ALTER TABLE used_requests_rowid RENAME TO used_requests;
CREATE INDEX used_requests_by_expiry ON used_requests (expires_at);
DROP TRIGGER clients_deleted;
DROP TRIGGER clients_updated;
DROP TABLE client_changes;
