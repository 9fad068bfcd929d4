//! Applied redactions and replaced state: what a reader needs to serve an event as clients see
//! it (`unsigned.redacted_because`, `unsigned.replaces_state`, `unsigned.prev_content`,
//! `unsigned.transaction_id`), a page of events at a time. The tables are written with the
//! event by [`Database::persist_room_event`].

use super::read::Columns;

use super::{Database, Dialect, EventTransaction, StorageError, StoredEvent};

const JOINED_COLUMNS: &str = "e.stream_ordering, e.event_id, e.room_id, e.event_type, \
                              e.state_key, e.sender, e.origin_server_ts, e.depth, e.json, \
                              e.rejection_reason, e.outlier";

/// An event and another event it is linked to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedEvent {
    /// The event asked about.
    pub event_id: String,
    /// The linked event: the redaction of it, or the state event it replaced.
    pub linked: StoredEvent,
}

impl Database {
    /// The accepted redactions of `event_ids` (each target may have several), in stream order.
    pub async fn redactions_of(
        &self,
        event_ids: &[&str],
    ) -> Result<Vec<LinkedEvent>, StorageError> {
        self.linked(
            "SELECT r.redacts AS target, {COLUMNS} FROM event_redactions r \
             JOIN events e ON e.event_id = r.redaction_id \
             WHERE e.rejection_reason IS NULL AND r.redacts IN ({IN})",
            event_ids,
        )
        .await
    }

    /// The state events that `event_ids` replaced (for the state events among them that
    /// replaced one).
    pub async fn replaced_states(
        &self,
        event_ids: &[&str],
    ) -> Result<Vec<LinkedEvent>, StorageError> {
        self.linked(
            "SELECT r.event_id AS target, {COLUMNS} FROM event_replaces_state r \
             JOIN events e ON e.event_id = r.replaces_state WHERE r.event_id IN ({IN})",
            event_ids,
        )
        .await
    }

    /// The client transactions `event_ids` were sent with, by event id.
    pub async fn event_transactions(
        &self,
        event_ids: &[&str],
    ) -> Result<Vec<(String, EventTransaction)>, StorageError> {
        let mut found = Vec::new();
        for chunk in event_ids.chunks(self.dialect.max_bind_params()) {
            if chunk.is_empty() {
                continue;
            }
            let chunk = padded(chunk);
            let sql = format!(
                "SELECT event_id, user_id, device_id, txn_id FROM event_transactions \
                 WHERE event_id IN ({})",
                Dialect::in_list(1, chunk.len())
            );
            let mut query = self.read_query(&sql);
            for event_id in &chunk {
                query = query.bind(*event_id);
            }
            for row in query.fetch_all().await? {
                let transaction = EventTransaction {
                    user_id: row.column("user_id")?,
                    device_id: row.column("device_id")?,
                    txn_id: row.column("txn_id")?,
                };
                found.push((row.column("event_id")?, transaction));
            }
        }
        Ok(found)
    }

    async fn linked(
        &self,
        template: &str,
        event_ids: &[&str],
    ) -> Result<Vec<LinkedEvent>, StorageError> {
        let mut linked = Vec::new();
        for chunk in event_ids.chunks(self.dialect.max_bind_params()) {
            if chunk.is_empty() {
                continue;
            }
            let chunk = padded(chunk);
            let sql = template
                .replace("{COLUMNS}", JOINED_COLUMNS)
                .replace("{IN}", &Dialect::in_list(1, chunk.len()));
            let mut query = self.read_query(&sql);
            for event_id in &chunk {
                query = query.bind(*event_id);
            }
            for row in query.fetch_all().await? {
                linked.push(LinkedEvent {
                    event_id: row.column("target")?,
                    linked: StoredEvent::from_row(&row)?,
                });
            }
        }
        linked.sort_by_key(|link| link.linked.stream_position);
        Ok(linked)
    }
}

/// Lists up to this long are padded (well below both backends' bind limits).
const PADDED_UP_TO: usize = 1024;

/// `ids` padded to a power of two by repeating the last one (an `IN` list ignores repeats), so
/// a few statement texts cover every page size and stay in the prepared statement cache.
fn padded<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut padded = ids.to_vec();
    if let (Some(last), true) = (ids.last(), ids.len() <= PADDED_UP_TO) {
        padded.resize(ids.len().next_power_of_two(), last);
    }
    padded
}
