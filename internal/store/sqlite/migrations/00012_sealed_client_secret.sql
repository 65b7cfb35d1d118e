-- +goose Up
-- The client secret sealed under the master key, for client_secret_jwt
-- clients only: their assertions are MACs keyed with the secret itself,
-- which a keyed hash cannot check. NULL for every other client.
ALTER TABLE clients ADD COLUMN sealed_secret BLOB;

-- +goose Down
ALTER TABLE clients DROP COLUMN sealed_secret;
