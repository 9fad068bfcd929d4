-- Room history reads: applied redactions, the state event each state event replaced, and
-- forgotten rooms.

-- A redaction that passed its checks, by the event it redacts. The redacted event's JSON is
-- kept; readers prune it with the room version's redaction algorithm. A row may name an event
-- not stored yet (a redaction that arrives before its target): it applies once the target is.
CREATE TABLE event_redactions (
    redacts TEXT NOT NULL,
    redaction_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    PRIMARY KEY (redacts, redaction_id)
) WITHOUT ROWID;

-- The state event a state event replaced in the state before it (unsigned.replaces_state and
-- prev_content); no row when the key was empty.
CREATE TABLE event_replaces_state (
    event_id TEXT NOT NULL PRIMARY KEY,
    replaces_state TEXT NOT NULL
) WITHOUT ROWID;

-- Rooms a user forgot: the membership event (a leave or ban) that was current when they did.
-- A later membership event replaces it in room_memberships, which un-forgets the room.
CREATE TABLE room_forgotten (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (user_id, room_id)
) WITHOUT ROWID;
