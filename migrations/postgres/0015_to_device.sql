-- Send-to-device messaging (client-server API § "Send-to-Device messaging"): messages for
-- local devices wait in device_inbox until the device's /sync acknowledges them (a later
-- sync whose since token's to_device position covers them), on the 'to_device' stream. One
-- request stores at most one message per device, all at one stream position.

INSERT INTO streams (stream_name, position) VALUES ('to_device', 0);

CREATE TABLE device_inbox (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    stream_id BIGINT NOT NULL,
    sender TEXT NOT NULL,
    event_type TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, stream_id)
);

-- What was already taken in, so a repeated request stores nothing: a client's PUT
-- /sendToDevice as (user id, device id, '{type}/{txn id}') and an m.direct_to_device EDU as
-- (origin server, '', message_id); user ids start with '@', server names never do. Never
-- pruned yet (like event_transactions).
CREATE TABLE to_device_transactions (
    sender TEXT NOT NULL,
    device_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    received_ts BIGINT NOT NULL,
    PRIMARY KEY (sender, device_id, txn_id)
);
