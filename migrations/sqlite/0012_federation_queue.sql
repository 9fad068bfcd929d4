-- The durable outgoing federation queue (server-server API § "Transactions") and the inbound
-- transactions already processed.

-- PDUs and EDUs waiting to be sent, one row per destination. AUTOINCREMENT: ids are never
-- reused after rows are deleted, so they order the queue for ever. txn_id is set when a row
-- joins a transaction, so a retried transaction is resent with the same id and content (the
-- receiver deduplicates on it); the rows are deleted when the destination answers 200.
CREATE TABLE federation_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    destination TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('pdu', 'edu')),
    json TEXT NOT NULL,
    created_ts BIGINT NOT NULL,
    txn_id TEXT
);

-- A destination's oldest PDUs or EDUs; the rows of its transaction in flight.
CREATE INDEX federation_outbox_destination ON federation_outbox (destination, kind, id);
CREATE INDEX federation_outbox_started ON federation_outbox (destination) WHERE txn_id IS NOT NULL;

-- Per-destination retry state: consecutive failures, when to try again (NULL: now), and the
-- last successful transaction, so a restarted server continues a backoff.
CREATE TABLE federation_destinations (
    destination TEXT NOT NULL PRIMARY KEY,
    failures BIGINT NOT NULL,
    retry_at_ts BIGINT,
    last_success_ts BIGINT
) WITHOUT ROWID;

-- Transactions received from other servers, with the response they got: a repeated
-- transaction id gets the same response without being processed again.
CREATE TABLE federation_inbound_transactions (
    origin TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    response_json TEXT NOT NULL,
    received_ts BIGINT NOT NULL,
    PRIMARY KEY (origin, txn_id)
) WITHOUT ROWID;
