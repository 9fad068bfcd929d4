-- Room state snapshots ("state groups"), stored as deltas with a bounded chain.
-- Event ids and (type, state_key) pairs are interned to integers: an entry row is three integers.
CREATE TABLE event_nids (
    event_nid INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE
);

CREATE TABLE state_keys (
    state_key_nid INTEGER PRIMARY KEY,
    event_type TEXT NOT NULL,
    state_key TEXT NOT NULL,
    UNIQUE (event_type, state_key)
);

-- delta_base NULL: a full snapshot (chain_length 0). Otherwise the entries are changes against
-- delta_base and chain_length = delta_base's chain_length + 1, never above the bound in code.
CREATE TABLE state_groups (
    state_group INTEGER PRIMARY KEY,
    room_id TEXT NOT NULL,
    delta_base BIGINT REFERENCES state_groups (state_group),
    chain_length BIGINT NOT NULL
);

CREATE INDEX state_groups_room ON state_groups (room_id);

-- event_nid NULL: the key is removed relative to delta_base.
CREATE TABLE state_group_entries (
    state_group BIGINT NOT NULL REFERENCES state_groups (state_group),
    state_key_nid BIGINT NOT NULL REFERENCES state_keys (state_key_nid),
    event_nid BIGINT REFERENCES event_nids (event_nid),
    PRIMARY KEY (state_group, state_key_nid)
) WITHOUT ROWID;

CREATE TABLE room_current_state (
    room_id TEXT NOT NULL PRIMARY KEY,
    state_group BIGINT NOT NULL REFERENCES state_groups (state_group)
) WITHOUT ROWID;

-- The state of the room after each event.
CREATE TABLE event_state_groups (
    event_id TEXT NOT NULL PRIMARY KEY,
    state_group BIGINT NOT NULL REFERENCES state_groups (state_group)
) WITHOUT ROWID;
