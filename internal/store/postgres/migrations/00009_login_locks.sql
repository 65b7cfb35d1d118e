-- +goose Up
-- Consecutive failed sign-ins per account, and the lock they lead to
-- (NIST SP 800-63B §5.2.2). Apart from login_failures, whose rows count
-- only within the throttle's short window and are collected after it:
-- this count lasts until a success, an operator's unlock, or a long quiet.
CREATE TABLE login_locks (
    workspace       TEXT NOT NULL,
    throttle_key    TEXT NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace, throttle_key)
);

-- +goose Down
DROP TABLE login_locks;
