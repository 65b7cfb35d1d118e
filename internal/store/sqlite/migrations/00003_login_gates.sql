-- +goose Up
-- When each throttle key (an account or an address) may next start a
-- sign-in attempt. Claiming it is one conditional upsert on this row, so
-- guesses sent in parallel, to any node, cannot each get a password check.
CREATE TABLE login_gates (
    workspace    TEXT NOT NULL,
    throttle_key TEXT NOT NULL,
    opens_at     INTEGER NOT NULL,
    PRIMARY KEY (workspace, throttle_key)
);

-- +goose Down
DROP TABLE login_gates;
