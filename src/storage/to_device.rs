//! Send-to-device messages (client-server API § "Send-to-Device messaging"): the per-device
//! inbox on the `to_device` stream, and the requests already taken in (migration 0015).

use std::collections::{BTreeMap, HashSet};

use super::read::Columns;

use super::{Database, StorageError, StreamPosition};

/// One request's messages for local users, to store once.
#[derive(Clone, Debug)]
pub struct NewToDevice<'a> {
    /// Who sent them.
    pub sender: &'a str,
    /// Their event type (one per request).
    pub event_type: &'a str,
    /// What identifies the request: (user id, device id, client txn id) for a client,
    /// (origin server, `""`, `message_id`) for an EDU. A second request with the same key
    /// stores nothing.
    pub key: (&'a str, &'a str, &'a str),
    /// Recipient user → device id (or `*`: every device not named) → content as JSON text.
    pub messages: &'a BTreeMap<String, BTreeMap<String, String>>,
    /// When the request arrived, ms since the Unix epoch.
    pub received_ts: i64,
}

/// A message waiting for a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToDeviceMessage {
    /// Its position in the `to_device` stream.
    pub position: StreamPosition,
    /// Who sent it.
    pub sender: String,
    /// The event type.
    pub event_type: String,
    /// The content as JSON text.
    pub content: String,
}

impl Database {
    /// Stores the request's messages for the recipients' existing devices, all at the next
    /// `to_device` position, in one transaction with its key. `None` when the key was taken
    /// in before (nothing stored); else the users who got a message.
    pub async fn store_to_device(
        &self,
        request: &NewToDevice<'_>,
    ) -> Result<Option<Vec<String>>, StorageError> {
        let mut tx = self.begin_write().await?;
        let (sender, device_id, txn_id) = request.key;
        let inserted = tx
            .query(
                "INSERT INTO to_device_transactions (sender, device_id, txn_id, received_ts) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (sender, device_id, txn_id) DO NOTHING",
            )
            .bind(sender)
            .bind(device_id)
            .bind(txn_id)
            .bind(request.received_ts)
            .execute()
            .await?;
        if inserted == 0 {
            return Ok(None);
        }
        let mut rows = Vec::new();
        for (user_id, by_device) in request.messages {
            let devices: Vec<String> = tx
                .query("SELECT device_id FROM devices WHERE user_id = $1")
                .bind(user_id)
                .fetch_column()
                .await?;
            rows.extend(
                deliveries(&devices, by_device)
                    .into_iter()
                    .map(|(device_id, content)| (user_id.as_str(), device_id, content)),
            );
        }
        let mut recipients: Vec<String> = Vec::new();
        if !rows.is_empty() {
            let position: i64 = tx
                .query(
                    "UPDATE streams SET position = position + 1 WHERE stream_name = 'to_device' \
                 RETURNING position",
                )
                .fetch_scalar_one()
                .await?;
            for (user_id, device_id, content) in rows {
                tx.query(
                    "INSERT INTO device_inbox (user_id, device_id, stream_id, sender, \
                       event_type, content) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(user_id)
                .bind(device_id)
                .bind(position)
                .bind(request.sender)
                .bind(request.event_type)
                .bind(content)
                .execute()
                .await?;
                if recipients.last().map(String::as_str) != Some(user_id) {
                    recipients.push(user_id.to_owned());
                }
            }
        }
        tx.commit().await?;
        Ok(Some(recipients))
    }

    /// Whether a request with this key (see [`NewToDevice::key`]) was taken in.
    pub async fn to_device_taken_in(
        &self,
        (sender, device_id, txn_id): (&str, &str, &str),
    ) -> Result<bool, StorageError> {
        let found: Option<i64> = self
            .read_query(
                "SELECT received_ts FROM to_device_transactions \
             WHERE sender = $1 AND device_id = $2 AND txn_id = $3",
            )
            .bind(sender)
            .bind(device_id)
            .bind(txn_id)
            .fetch_scalar()
            .await?;
        Ok(found.is_some())
    }

    /// The device's messages after `after` and up to `upto`, oldest first, at most `limit`.
    pub async fn to_device_messages(
        &self,
        user_id: &str,
        device_id: &str,
        after: StreamPosition,
        upto: StreamPosition,
        limit: i64,
    ) -> Result<Vec<ToDeviceMessage>, StorageError> {
        let rows = self
            .read_query(
                "SELECT stream_id, sender, event_type, content FROM device_inbox \
             WHERE user_id = $1 AND device_id = $2 AND stream_id > $3 AND stream_id <= $4 \
             ORDER BY stream_id LIMIT $5",
            )
            .bind(user_id)
            .bind(device_id)
            .bind(after.0)
            .bind(upto.0)
            .bind(limit)
            .fetch_all()
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ToDeviceMessage {
                    position: StreamPosition(row.column("stream_id")?),
                    sender: row.column("sender")?,
                    event_type: row.column("event_type")?,
                    content: row.column("content")?,
                })
            })
            .collect()
    }

    /// Deletes the device's messages up to `upto` (delivered: the device synced with a token
    /// covering them); a read first, so a sync with nothing to delete writes nothing.
    pub async fn delete_to_device_messages(
        &self,
        user_id: &str,
        device_id: &str,
        upto: StreamPosition,
    ) -> Result<(), StorageError> {
        let pending: Option<i64> = self
            .read_query(
                "SELECT stream_id FROM device_inbox \
             WHERE user_id = $1 AND device_id = $2 AND stream_id <= $3 LIMIT 1",
            )
            .bind(user_id)
            .bind(device_id)
            .bind(upto.0)
            .fetch_scalar()
            .await?;
        if pending.is_none() {
            return Ok(());
        }
        self.write_query(
            "DELETE FROM device_inbox WHERE user_id = $1 AND device_id = $2 AND stream_id <= $3",
        )
        .bind(user_id)
        .bind(device_id)
        .bind(upto.0)
        .execute()
        .await?;
        Ok(())
    }
}

/// Which of the user's `devices` get which content: every device named, and for `*` every
/// other device (the spec: "`*` … sent to all known devices"; a named device keeps its own
/// message). Names of devices that do not exist are dropped.
fn deliveries<'m>(
    devices: &[String],
    by_device: &'m BTreeMap<String, String>,
) -> Vec<(String, &'m str)> {
    let known: HashSet<&str> = devices.iter().map(String::as_str).collect();
    let mut out: Vec<(String, &str)> = by_device
        .iter()
        .filter(|(device_id, _)| known.contains(device_id.as_str()))
        .map(|(device_id, content)| (device_id.clone(), content.as_str()))
        .collect();
    if let Some(all) = by_device.get("*") {
        out.extend(
            devices
                .iter()
                .filter(|device_id| !by_device.contains_key(*device_id))
                .map(|device_id| (device_id.clone(), all.as_str())),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_reaches_the_devices_not_named_and_unknown_devices_nothing() {
        let devices = vec!["A".to_owned(), "B".to_owned(), "C".to_owned()];
        let by_device: BTreeMap<String, String> = [("*", "all"), ("B", "b"), ("Z", "z")]
            .into_iter()
            .map(|(d, c)| (d.to_owned(), c.to_owned()))
            .collect();
        let mut got = deliveries(&devices, &by_device);
        got.sort_unstable();
        let expected = [("A", "all"), ("B", "b"), ("C", "all")]
            .map(|(device, content)| (device.to_owned(), content));
        assert_eq!(got, expected);
    }
}
