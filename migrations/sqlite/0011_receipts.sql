-- Read receipts (client-server API § "Receipts") with their own stream: one row per room,
-- receipt type, user and thread (thread_id '' = an unthreaded receipt); a new receipt replaces
-- the row. event_stream_ordering is the receipted event's position, so receipts only move
-- forward and unread counts are a range of the events (room_id, stream_ordering) index.

INSERT INTO streams (stream_name, position) VALUES ('receipts', 0);

CREATE TABLE receipts (
    room_id TEXT NOT NULL,
    receipt_type TEXT NOT NULL,
    user_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_stream_ordering BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    stream_id BIGINT NOT NULL,
    PRIMARY KEY (room_id, receipt_type, user_id, thread_id)
) WITHOUT ROWID;

-- Receipts changed since a sync token: by stream position, and by room and position.
CREATE INDEX receipts_stream ON receipts (stream_id);
CREATE INDEX receipts_room_stream ON receipts (room_id, stream_id);
