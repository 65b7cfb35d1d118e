-- +goose Up
-- Pending authorization requests (sealed in the login and consent forms)
-- already acted on. Using one is an insert that does nothing when the id
-- is here, so a form posted twice, to any node, yields one code. A record
-- is kept until its request expires: after that the request is refused
-- anyway.
CREATE TABLE used_requests (
    workspace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE INDEX used_requests_by_expiry ON used_requests (expires_at);

-- +goose Down
DROP TABLE used_requests;
