-- +goose Up
-- When a refresh token's grant (its family) ends: the expiry of the
-- family's first refresh token, copied on every rotation, so that no
-- rotated token outlives it and a client cannot keep a grant alive forever
-- by refreshing. NULL for access token records; a refresh token from
-- before this column counts its own expiry as its family's end.
ALTER TABLE tokens ADD COLUMN grant_expires_at BIGINT;

-- +goose Down
ALTER TABLE tokens DROP COLUMN grant_expires_at;
