-- +goose Up
-- Answers to registrations sent with an Idempotency-Key, kept a day so a
-- retry whose first answer was lost gets that answer rather than a second
-- client. The key and the request (bearer token and body) are kept only
-- as keyed hashes, the answer sealed under the master key.
CREATE TABLE registration_replays (
    workspace    TEXT NOT NULL,
    key_hash     BYTEA NOT NULL,
    request_hash BYTEA NOT NULL,
    response     BYTEA NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace, key_hash)
);
CREATE INDEX registration_replays_by_expiry ON registration_replays (expires_at);

-- +goose Down
DROP TABLE registration_replays;
