-- Sync: account data (global and per room) with its own stream, stored filters, and the index
-- /sync uses to find a user's membership changes by stream position.

INSERT INTO streams (stream_name, position) VALUES ('account_data', 0);

-- room_id '' is global account data. stream_id is the position in the 'account_data' stream of
-- the last change, so /sync finds changes by position range.
CREATE TABLE account_data (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    data_type TEXT NOT NULL,
    content TEXT NOT NULL,
    stream_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, room_id, data_type)
);

CREATE INDEX account_data_stream ON account_data (user_id, stream_id);

-- Filters are numbered per user from 0, as in Synapse; never changed once stored.
CREATE TABLE user_filters (
    user_id TEXT NOT NULL,
    filter_id BIGINT NOT NULL,
    filter_json TEXT NOT NULL,
    PRIMARY KEY (user_id, filter_id)
);

-- A user's member events in stream order (membership changes since a sync token).
CREATE INDEX events_member_stream ON events (state_key, stream_ordering)
    WHERE event_type = 'm.room.member';
