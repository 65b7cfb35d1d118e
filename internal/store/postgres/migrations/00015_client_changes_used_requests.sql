-- +goose Up
-- A counter of changes to clients, bumped in the transaction that makes
-- the change, whoever makes it (any node, the CLI): each node reads it a
-- few times a second and empties its client cache when it moved. The bump
-- becomes visible with the change, at its commit (a sequence would not:
-- nextval is seen before the change commits, and a node could cache the
-- old row again). Each transaction changes at most one client, so the
-- counter's row lock, always taken after the client's, cannot deadlock.
-- Inserts need no bump: only clients found are cached.
CREATE TABLE client_changes (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO client_changes (id, generation) VALUES (1, 0);

-- +goose StatementBegin
CREATE FUNCTION count_client_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE client_changes SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER clients_changed AFTER UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION count_client_change();

-- used_requests stays as it is: SQLite's migration moves it into its
-- primary key's b-tree, which a PostgreSQL heap has no use for.

-- +goose Down
DROP TRIGGER clients_changed ON clients;
DROP FUNCTION count_client_change();
DROP TABLE client_changes;
