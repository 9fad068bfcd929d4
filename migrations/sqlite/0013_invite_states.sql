-- Invites from other servers to rooms this server is not in (server-server API § "Inviting to
-- a room"): the invite event is stored as an outlier, and the stripped state the inviting
-- server sent with it (invite_room_state, a JSON array) is what the invitee's /sync shows.

CREATE TABLE invite_states (
    event_id TEXT NOT NULL PRIMARY KEY,
    room_id TEXT NOT NULL,
    stripped_state TEXT NOT NULL
) WITHOUT ROWID;
