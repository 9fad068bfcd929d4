-- The latest key response of each remote server, exactly as the server signed it, so that this
-- server can act as a notary (`/_matrix/key/v2/query`) and answer for servers that are offline.
CREATE TABLE server_key_responses (
    server_name TEXT NOT NULL PRIMARY KEY,
    valid_until_ts BIGINT NOT NULL,
    fetched_ts BIGINT NOT NULL,
    response_json TEXT NOT NULL
);
