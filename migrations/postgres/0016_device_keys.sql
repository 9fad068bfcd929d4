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
);
CREATE INDEX device_list_changes_stream ON device_list_changes (stream_id);

-- A local device's signed identity keys (`device_keys` of /keys/upload), as uploaded.
CREATE TABLE e2e_device_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    key_json TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id)
);

-- Unclaimed one-time keys; a claimed key is deleted.
CREATE TABLE e2e_one_time_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id TEXT NOT NULL,
    key_json TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, algorithm, key_id)
);

-- The fallback key of each (device, algorithm): kept when claimed, only marked used.
CREATE TABLE e2e_fallback_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id TEXT NOT NULL,
    key_json TEXT NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, device_id, algorithm)
);

-- Cross-signing keys (client-server § "Cross-signing"): each user's master, self-signing and
-- user-signing key (key_type), as uploaded.
CREATE TABLE e2e_cross_signing_keys (
    user_id TEXT NOT NULL,
    key_type TEXT NOT NULL,
    key_json TEXT NOT NULL,
    PRIMARY KEY (user_id, key_type)
);

-- Signatures uploaded through /keys/signatures/upload, merged into the signed key when it is
-- served: target_key_id is a device id or a master key's public key. Signatures by another
-- user (their user-signing key on this user's master key) are served only to that user.
CREATE TABLE e2e_key_signatures (
    target_user_id TEXT NOT NULL,
    target_key_id TEXT NOT NULL,
    signer_user_id TEXT NOT NULL,
    signer_key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (target_user_id, target_key_id, signer_user_id, signer_key_id)
);
