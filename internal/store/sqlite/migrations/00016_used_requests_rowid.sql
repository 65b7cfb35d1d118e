-- +goose Up
-- Used requests go back to a rowid table. Many rows share one expires_at
-- (every private_key_jwt assertion made in the same second), and an index
-- orders equal values by the row's key: in a WITHOUT ROWID table that is
-- the random id, so each insert wrote a random page of the expiry index
-- besides one of the primary key; in a rowid table it is the rowid, which
-- grows, so the table and the expiry index append and only the key's
-- index takes a random page. Measured on 20,000 spends by 32 writers:
-- 61-72 µs of CPU each before, 50 after.
CREATE TABLE used_requests_rowid (
    workspace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, id)
);
INSERT INTO used_requests_rowid (workspace, id, expires_at) SELECT workspace, id, expires_at FROM used_requests;
DROP TABLE used_requests;
ALTER TABLE used_requests_rowid RENAME TO used_requests;
CREATE INDEX used_requests_by_expiry ON used_requests (expires_at);

-- +goose Down
CREATE TABLE used_requests_keyed (
    workspace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, id)
) WITHOUT ROWID;
INSERT INTO used_requests_keyed (workspace, id, expires_at) SELECT workspace, id, expires_at FROM used_requests;
DROP TABLE used_requests;
ALTER TABLE used_requests_keyed RENAME TO used_requests;
CREATE INDEX used_requests_by_expiry ON used_requests (expires_at);
