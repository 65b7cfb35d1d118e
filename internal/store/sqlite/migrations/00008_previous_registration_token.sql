-- +goose Up
-- The registration access token a rotation replaced, kept for a short
-- grace so that a client whose answer was lost (a dropped connection, a
-- crash after the commit) can still rotate once more with it; NULL when
-- there is none. Registration decides when it stops working.
ALTER TABLE clients ADD COLUMN previous_registration_token_hash BLOB;
ALTER TABLE clients ADD COLUMN previous_registration_token_expires_at INTEGER;

-- +goose Down
ALTER TABLE clients DROP COLUMN previous_registration_token_expires_at;
ALTER TABLE clients DROP COLUMN previous_registration_token_hash;
