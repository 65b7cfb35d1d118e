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

-- +goose Down
DROP TRIGGER clients_deleted;
DROP TRIGGER clients_updated;
DROP TABLE client_changes;
