-- Stream positions, one row per stream; a writer bumps its row inside the transaction that
-- writes the update, so positions are committed in order and without gaps.
CREATE TABLE streams (
    stream_name TEXT NOT NULL PRIMARY KEY,
    position BIGINT NOT NULL
);

INSERT INTO streams (stream_name, position) VALUES ('events', 0);

-- PDUs. stream_ordering is the position in the 'events' stream.
CREATE TABLE events (
    stream_ordering BIGINT NOT NULL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    room_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    state_key TEXT,
    sender TEXT NOT NULL,
    origin_server_ts BIGINT NOT NULL,
    depth BIGINT NOT NULL,
    json TEXT NOT NULL,
    rejection_reason TEXT,
    outlier BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE INDEX events_room_stream ON events (room_id, stream_ordering);
