-- History fetched from other servers (server-server API § "Backfilling and retrieving missing
-- events") is older than everything this server has: backfilled events take positions from
-- their own stream, counting down from 0, so they sort before every live event and never
-- reach /sync as new. room_backfill_anchors holds, per room joined over federation, the state
-- group backfilled events are served with: the state before this server's join.

INSERT INTO streams (stream_name, position) VALUES ('backfill', 0);

CREATE TABLE room_backfill_anchors (
    room_id TEXT NOT NULL PRIMARY KEY,
    state_group BIGINT NOT NULL
) WITHOUT ROWID;
