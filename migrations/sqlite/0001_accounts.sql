-- Accounts: users, their devices, and their access tokens.
-- Flags are INTEGER 0/1 here (BOOLEAN in PostgreSQL): sqlx::Any cannot decode a column
-- declared BOOLEAN in SQLite; storage/row.rs reads both forms.
CREATE TABLE users (
    user_id TEXT NOT NULL PRIMARY KEY,
    password_hash TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    creation_ts BIGINT NOT NULL,
    deactivated INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE devices (
    user_id TEXT NOT NULL REFERENCES users (user_id),
    device_id TEXT NOT NULL,
    display_name TEXT,
    created_ts BIGINT NOT NULL,
    last_seen_ts BIGINT,
    last_seen_ip TEXT,
    PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;

-- token_hash is the lowercase hex SHA-256 of the token: the raw token is never stored.
CREATE TABLE access_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id),
    device_id TEXT,
    created_ts BIGINT NOT NULL,
    expires_ts BIGINT
) WITHOUT ROWID;

CREATE INDEX access_tokens_user_device ON access_tokens (user_id, device_id);
