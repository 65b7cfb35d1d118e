-- +goose Up
-- The SHA-256 thumbprint (base64url, RFC 8705 §3.1 x5t#S256) of the client
-- certificate a token is bound to; '' for a token bound to none.
-- Introspection reads it back as cnf for opaque tokens, and a refresh
-- token bound to one is refreshed only with the same certificate.
ALTER TABLE tokens ADD COLUMN cert_thumbprint TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tokens DROP COLUMN cert_thumbprint;
