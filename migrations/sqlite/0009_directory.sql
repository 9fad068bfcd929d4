-- Profiles, room aliases and the room directory.

-- One row per local user, created with the account (displayname = the localpart, as Synapse).
CREATE TABLE profiles (
    user_id TEXT NOT NULL PRIMARY KEY,
    displayname TEXT,
    avatar_url TEXT
) WITHOUT ROWID;

-- Users registered before profiles existed get the same default.
INSERT INTO profiles (user_id, displayname)
SELECT user_id, substr(user_id, 2, instr(user_id, ':') - 2) FROM users;

-- Local room aliases; creator may delete the alias (as may the room's admins).
CREATE TABLE room_aliases (
    room_alias TEXT NOT NULL PRIMARY KEY,
    room_id TEXT NOT NULL,
    creator TEXT NOT NULL,
    created_ts BIGINT NOT NULL
) WITHOUT ROWID;

CREATE INDEX room_aliases_room ON room_aliases (room_id);

-- Rooms published in the room directory (visibility `public`).
CREATE TABLE published_rooms (
    room_id TEXT NOT NULL PRIMARY KEY,
    published_ts BIGINT NOT NULL
) WITHOUT ROWID;
