-- +goose Up
-- Times are integer microseconds since the Unix epoch (UTC); JSON is text.
-- The same statements run on SQLite and PostgreSQL (internal/store/sqlstore).
CREATE TABLE workspaces (
    name        TEXT PRIMARY KEY,
    settings    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE clients (
    workspace                     TEXT NOT NULL,
    id                            TEXT NOT NULL,
    secret_hash                   BYTEA,
    secret_expires_at             BIGINT,
    issued_at                     BIGINT NOT NULL,
    updated_at                    BIGINT NOT NULL,
    version                       BIGINT NOT NULL,
    metadata                      TEXT NOT NULL,
    provenance                    TEXT NOT NULL,
    origin                        TEXT NOT NULL,
    registration_token_hash       BYTEA,
    registration_token_expires_at BIGINT,
    PRIMARY KEY (workspace, id)
);
CREATE INDEX clients_by_issued ON clients (workspace, issued_at, id);

CREATE TABLE signing_keys (
    workspace             TEXT NOT NULL,
    kid                   TEXT NOT NULL,
    alg                   TEXT NOT NULL,
    private_key_encrypted BYTEA NOT NULL,
    public_jwk            TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    retired_at            BIGINT,
    publish_until         BIGINT,
    PRIMARY KEY (workspace, kid)
);

CREATE TABLE tokens (
    workspace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    format     TEXT NOT NULL,
    hash       BYTEA,
    client_id  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    scope      TEXT NOT NULL,
    audience   TEXT NOT NULL,
    grant_id   TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    PRIMARY KEY (workspace, id)
);
CREATE UNIQUE INDEX tokens_by_hash ON tokens (hash);
CREATE INDEX tokens_by_client ON tokens (workspace, client_id);
CREATE INDEX tokens_by_grant ON tokens (workspace, grant_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE initial_access_tokens (
    workspace   TEXT NOT NULL,
    id          TEXT NOT NULL,
    hash        BYTEA NOT NULL,
    description TEXT NOT NULL,
    max_uses    BIGINT NOT NULL,
    uses        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT,
    PRIMARY KEY (workspace, id)
);
CREATE UNIQUE INDEX iats_by_hash ON initial_access_tokens (hash);

CREATE TABLE audit_events (
    workspace   TEXT NOT NULL,
    id          TEXT NOT NULL,
    at          BIGINT NOT NULL,
    action      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    credential  TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE INDEX audit_by_time ON audit_events (workspace, at);

CREATE TABLE users (
    workspace      TEXT NOT NULL,
    id             TEXT NOT NULL,
    username       TEXT NOT NULL,
    email          TEXT NOT NULL,
    email_verified BIGINT NOT NULL,
    name           TEXT NOT NULL,
    given_name     TEXT NOT NULL,
    family_name    TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE UNIQUE INDEX users_by_name ON users (workspace, username);

CREATE TABLE sessions (
    workspace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    hash       BYTEA NOT NULL,
    user_id    TEXT NOT NULL,
    auth_time  BIGINT NOT NULL,
    amr        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE UNIQUE INDEX sessions_by_hash ON sessions (hash);

CREATE TABLE auth_codes (
    workspace             TEXT NOT NULL,
    id                    TEXT NOT NULL,
    hash                  BYTEA NOT NULL,
    client_id             TEXT NOT NULL,
    user_id               TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    scope                 TEXT NOT NULL,
    resources             TEXT NOT NULL,
    nonce                 TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    auth_time             BIGINT NOT NULL,
    amr                   TEXT NOT NULL,
    grant_id              TEXT NOT NULL,
    issued_at             BIGINT NOT NULL,
    expires_at            BIGINT NOT NULL,
    used_at               BIGINT,
    PRIMARY KEY (workspace, id)
);
CREATE UNIQUE INDEX codes_by_hash ON auth_codes (hash);

CREATE TABLE consents (
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, user_id, client_id)
);

CREATE TABLE login_failures (
    workspace    TEXT NOT NULL,
    throttle_key TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (workspace, throttle_key, at);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE consents;
DROP TABLE auth_codes;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE audit_events;
DROP TABLE initial_access_tokens;
DROP TABLE tokens;
DROP TABLE signing_keys;
DROP TABLE clients;
DROP TABLE workspaces;
