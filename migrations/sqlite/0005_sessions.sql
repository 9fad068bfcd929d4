-- Sessions: refresh tokens, the link from an access token to its refresh token, and
-- user-interactive authentication sessions.

-- token_hash is the lowercase hex SHA-256 of the refresh token. next_token_hash is the token
-- that replaced this one at /refresh: this one stays usable until its successor (or an access
-- token issued with it) is used, then it is deleted with its access tokens.
CREATE TABLE refresh_tokens (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id),
    device_id TEXT NOT NULL,
    next_token_hash TEXT,
    created_ts BIGINT NOT NULL
) WITHOUT ROWID;

CREATE INDEX refresh_tokens_user_device ON refresh_tokens (user_id, device_id);
CREATE INDEX refresh_tokens_next ON refresh_tokens (next_token_hash);

-- The refresh token an access token was issued with, and whether its first use must retire the
-- refresh token that refresh token replaced (set on tokens issued by /refresh).
ALTER TABLE access_tokens ADD COLUMN refresh_token_hash TEXT;
ALTER TABLE access_tokens ADD COLUMN retire_previous INTEGER NOT NULL DEFAULT 0;

CREATE INDEX access_tokens_refresh ON access_tokens (refresh_token_hash);

-- User-interactive authentication: operation is what the session authorises (method and
-- path), user_id the authenticated requester if any, completed a JSON array of stage types.
CREATE TABLE ui_auth_sessions (
    session_id TEXT NOT NULL PRIMARY KEY,
    operation TEXT NOT NULL,
    user_id TEXT,
    completed TEXT NOT NULL,
    created_ts BIGINT NOT NULL
) WITHOUT ROWID;

CREATE INDEX ui_auth_sessions_created ON ui_auth_sessions (created_ts);
