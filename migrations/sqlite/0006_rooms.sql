-- The room engine: rooms this server created or joined, their forward extremities, the current
-- membership of every user (mirrors the member events of the current state), and client
-- transaction ids.

-- room_version decides the event format and the rules; creator is the create event's sender.
CREATE TABLE rooms (
    room_id TEXT NOT NULL PRIMARY KEY,
    room_version TEXT NOT NULL,
    creator TEXT NOT NULL,
    created_ts BIGINT NOT NULL
) WITHOUT ROWID;

-- The events without children in the room's DAG: the prev_events of the next event.
CREATE TABLE room_forward_extremities (
    room_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (room_id, event_id)
) WITHOUT ROWID;

-- One row per user that has a member event in the room's current state.
CREATE TABLE room_memberships (
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    membership TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;

CREATE INDEX room_memberships_user ON room_memberships (user_id, membership);

-- Client transaction ids (spec: scoped to a device and an endpoint). request_path is the
-- endpoint's path without the transaction id, e.g. `rooms/!r:x/send/m.room.message`.
CREATE TABLE event_transactions (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    request_path TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    created_ts BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_id, request_path, txn_id)
) WITHOUT ROWID;

CREATE INDEX event_transactions_event ON event_transactions (event_id);
