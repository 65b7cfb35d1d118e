-- +goose Up
-- When the user authenticated for the grant a refresh token belongs to.
-- Rotation copies it to the next token, so an access token issued by the
-- refresh_token grant carries the same RFC 9068 auth_time as the one
-- issued by the code exchange. NULL for access token records and for
-- refresh tokens issued before this column (their refreshes go without).
ALTER TABLE tokens ADD COLUMN auth_time BIGINT;

-- +goose Down
ALTER TABLE tokens DROP COLUMN auth_time;
