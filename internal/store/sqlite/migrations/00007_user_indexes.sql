-- +goose Up
-- Deleting a user or changing their password ends what they hold
-- (sessions, codes, tokens) inside one write transaction; without these
-- it scanned each table while holding the writer. The tokens index is
-- partial: only tokens issued to users, whose subject is not the client
-- itself, so client_credentials token records (the hot write path) pay
-- nothing for it. Queries name the same condition to use it.
CREATE INDEX sessions_by_user ON sessions (workspace, user_id);
CREATE INDEX auth_codes_by_user ON auth_codes (workspace, user_id);
CREATE INDEX tokens_by_user ON tokens (workspace, subject) WHERE subject <> client_id;

-- +goose Down
DROP INDEX tokens_by_user;
DROP INDEX auth_codes_by_user;
DROP INDEX sessions_by_user;
