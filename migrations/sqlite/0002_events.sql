-- Stream positions, one row per stream; a writer bumps its row inside the transaction that
-- writes the update, so positions are committed in order and without gaps.
CREATE TABLE streams (
    stream_name TEXT NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL
) WITHOUT ROWID;

INSERT INTO streams (stream_name, position) VALUES ('events', 0);

-- PDUs. stream_ordering is the position in the 'events' stream (INTEGER PRIMARY KEY: the rowid).
-- outlier is INTEGER 0/1 (BOOLEAN in PostgreSQL), see 0001.
CREATE TABLE events (
    stream_ordering INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    room_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    state_key TEXT,
    sender TEXT NOT NULL,
    origin_server_ts BIGINT NOT NULL,
    depth BIGINT NOT NULL,
    json TEXT NOT NULL,
    rejection_reason TEXT,
    outlier INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX events_room_stream ON events (room_id, stream_ordering);
