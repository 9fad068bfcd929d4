-- Our own signing keys' public halves: kept after expiry so old signatures stay verifiable.
CREATE TABLE own_verify_keys (
    key_id TEXT NOT NULL PRIMARY KEY,
    public_key TEXT NOT NULL,
    created_ts BIGINT NOT NULL,
    expired_ts BIGINT
);

-- Other servers' verify keys, as fetched (public_key: unpadded base64). Keys are never deleted
-- when a server rotates; expired_ts is set for keys it lists as old_verify_keys.
CREATE TABLE remote_server_keys (
    server_name TEXT NOT NULL,
    key_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    valid_until_ts BIGINT NOT NULL,
    fetched_ts BIGINT NOT NULL,
    expired_ts BIGINT,
    PRIMARY KEY (server_name, key_id)
);
