-- End-to-end encryption keys (client-server API § "Key management API") and the device list
-- stream (§ "Tracking the device list for a user"; server-server § "Device Management").

-- Every change of a user's device list (a device added, renamed or deleted, device keys
-- uploaded; for remote users an `m.device_list_update`) takes the next position of this stream.
INSERT INTO streams (stream_name, position) VALUES ('device_lists', 0);

-- The latest device list change of each user, local or remote: /sync and /keys/changes find
-- the users changed since a token by position; for local users it is also the `stream_id` of
-- the outgoing `m.device_list_update` EDUs (and the `prev_id` of the next one).
CREATE TABLE device_list_changes (
    user_id TEXT NOT NULL PRIMARY KEY,
    stream_id BIGINT NOT NULL
) WITHOUT ROWID;
CREATE INDEX device_list_changes_stream ON device_list_changes (stream_id);

-- A local device's signed identity keys (`device_keys` of /keys/upload), as uploaded.
CREATE TABLE e2e_device_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    key_json TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id)
) WITHOUT ROWID;

-- Unclaimed one-time keys; a claimed key is deleted.
CREATE TABLE e2e_one_time_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id TEXT NOT NULL,
    key_json TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, algorithm, key_id)
) WITHOUT ROWID;

-- The fallback key of each (device, algorithm): kept when claimed, only marked used.
CREATE TABLE e2e_fallback_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id TEXT NOT NULL,
    key_json TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, device_id, algorithm)
) WITHOUT ROWID;
