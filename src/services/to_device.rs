//! Send-to-device messaging (client-server API § "Send-to-Device messaging", server-server
//! API § "Send-to-device messaging").
//!
//! - `PUT /sendToDevice/{type}/{txnId}` ([`ToDevice::send`]): messages for local users are
//!   stored per recipient device (`device_inbox`, one `to_device` stream position per
//!   request) and wake the recipients' long-polls; messages for other servers' users leave as
//!   one `m.direct_to_device` EDU per destination through the federation queue. A request is
//!   taken in once per (sender, access token's device, event type, txn id).
//! - `m.direct_to_device` EDUs ([`ToDevice::receive_edu`]): the sender must belong to the
//!   origin; each (origin, `message_id`) is taken in once; local recipients get the messages.
//! - `/sync` ([`ToDevice::for_sync`]): the device's messages after the token's `to_device`
//!   position, at most [`SYNC_LIMIT`]; a sync whose token covers messages acknowledges them,
//!   and they are deleted.
//!
//! `*` as a device id means every device of the user (a device also named gets its own
//! message); unknown users and devices are ignored (the spec: unknown users are not an error).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use client_api::sync::ToDeviceEvent;
use client_api::to_device::Messages;
use client_api::{ClientUser, MatrixError};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use state_res::ids::{check_user_id, server_name_of};
use tracing::instrument;

use super::ephemeral::outgoing::EduOutbox;
use super::notifier::Notifier;
use super::{internal, now_ms};
use crate::storage::{Database, NewToDevice, StorageError, StreamPosition};

/// The most messages one `/sync` delivers (the spec's and Synapse's 100).
pub const SYNC_LIMIT: i64 = 100;

/// The send-to-device service.
#[derive(Debug)]
pub struct ToDevice {
    database: Database,
    notifier: Arc<Notifier>,
    server_name: String,
    outbox: EduOutbox,
}

/// Local recipients → device → content as JSON text, as storage takes them.
type LocalMessages = BTreeMap<String, BTreeMap<String, String>>;

impl ToDevice {
    /// A service storing for `server_name`'s users and sending the rest through `outbox`.
    pub fn new(
        database: Database,
        notifier: Arc<Notifier>,
        server_name: String,
        outbox: EduOutbox,
    ) -> Self {
        Self {
            database,
            notifier,
            server_name,
            outbox,
        }
    }

    /// `PUT /sendToDevice/{eventType}/{txnId}`. A malformed user id is 400
    /// `M_INVALID_PARAM`.
    #[instrument(skip_all, fields(user = %user.user_id, event_type, txn_id))]
    pub async fn send(
        &self,
        user: &ClientUser,
        event_type: &str,
        txn_id: &str,
        messages: Messages,
    ) -> Result<(), MatrixError> {
        let mut local = LocalMessages::new();
        let mut remote: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        for (user_id, by_device) in messages {
            check_user_id(&user_id).map_err(|error| {
                MatrixError::invalid_param(format!("Invalid user id {user_id:?}: {error}"))
            })?;
            let server = server_name_of(&user_id).unwrap_or_default().to_owned();
            if server == self.server_name {
                let by_device = by_device
                    .into_iter()
                    .map(|(device, content)| (device, Value::Object(content).to_string()))
                    .collect();
                local.insert(user_id, by_device);
            } else {
                remote
                    .entry(server)
                    .or_default()
                    .insert(user_id, json!(by_device));
            }
        }
        let device_id = user.device_id.as_deref().unwrap_or_default();
        // Scoped like `/send`'s transaction ids: to the endpoint path without the txn id.
        let scoped_txn = format!("{event_type}/{txn_id}");
        let key = (user.user_id.as_str(), device_id, scoped_txn.as_str());
        if self
            .database
            .to_device_taken_in(key)
            .await
            .map_err(internal)?
        {
            return Ok(());
        }
        // Queued before the local messages are stored (with the request's key): a crash in
        // between loses nothing, and a retry queues the EDUs again under the same
        // message ids, which the receiver takes in once.
        for (server, messages) in remote {
            let edu = json!({
                "edu_type": "m.direct_to_device",
                "content": {
                    "sender": user.user_id,
                    "type": event_type,
                    "message_id": message_id(key, &server),
                    "messages": messages,
                },
            });
            self.outbox.to_server(&server, &edu).await;
        }
        self.store(&user.user_id, event_type, key, &local)
            .await
            .map_err(internal)
    }

    /// An `m.direct_to_device` EDU from `origin` (spec § "Send-to-device messaging"):
    /// `{sender, type, message_id, messages}`; the messages for our users are stored. EDUs
    /// whose sender is not of the origin, or that lack a field, are dropped.
    pub async fn receive_edu(&self, origin: &str, content: &Value) -> Result<(), StorageError> {
        let text = |key: &str| content.get(key).and_then(Value::as_str);
        let (Some(sender), Some(event_type), Some(message_id), Some(messages)) = (
            text("sender"),
            text("type"),
            text("message_id"),
            content.get("messages").and_then(Value::as_object),
        ) else {
            tracing::debug!(origin, "malformed m.direct_to_device EDU ignored");
            return Ok(());
        };
        if check_user_id(sender).is_err() || server_name_of(sender) != Some(origin) {
            tracing::debug!(
                origin,
                sender,
                "m.direct_to_device from another server's user"
            );
            return Ok(());
        }
        let mut local = LocalMessages::new();
        for (user_id, by_device) in messages {
            if server_name_of(user_id) != Some(self.server_name.as_str()) {
                continue;
            }
            let Some(by_device) = by_device.as_object() else {
                continue;
            };
            let by_device: BTreeMap<String, String> = by_device
                .iter()
                .filter(|(_, content)| content.is_object())
                .map(|(device, content)| (device.clone(), content.to_string()))
                .collect();
            local.insert(user_id.clone(), by_device);
        }
        self.store(sender, event_type, (origin, "", message_id), &local)
            .await
    }

    /// Stores the local messages under `key` (once) and wakes their recipients.
    async fn store(
        &self,
        sender: &str,
        event_type: &str,
        key: (&str, &str, &str),
        messages: &LocalMessages,
    ) -> Result<(), StorageError> {
        let request = NewToDevice {
            sender,
            event_type,
            key,
            messages,
            received_ts: now_ms(),
        };
        if let Some(recipients) = self.database.store_to_device(&request).await? {
            self.notifier.notify_users(&recipients);
        }
        Ok(())
    }

    /// The messages `/sync` delivers to the user's device after `since` and up to `upto`
    /// (at most [`SYNC_LIMIT`]), and the `to_device` position for the next token: `upto`,
    /// or the last message's when more wait (so the next sync starts after it). Messages up
    /// to `since` were delivered by the sync that issued it: they are deleted (spec: "the
    /// server should infer that any send-to-device messages in that response have been
    /// delivered successfully, and delete them").
    pub async fn for_sync(
        &self,
        user: &ClientUser,
        since: Option<i64>,
        upto: i64,
    ) -> Result<(Vec<ToDeviceEvent>, i64), MatrixError> {
        let Some(device_id) = user.device_id.as_deref() else {
            return Ok((Vec::new(), upto));
        };
        let since = since.unwrap_or_default();
        if since > 0 {
            self.database
                .delete_to_device_messages(&user.user_id, device_id, StreamPosition(since))
                .await
                .map_err(internal)?;
        }
        if since >= upto {
            return Ok((Vec::new(), upto));
        }
        let messages = self
            .database
            .to_device_messages(
                &user.user_id,
                device_id,
                StreamPosition(since),
                StreamPosition(upto),
                SYNC_LIMIT,
            )
            .await
            .map_err(internal)?;
        let position = match messages.last() {
            Some(last) if messages.len() >= SYNC_LIMIT as usize => last.position.0,
            _ => upto,
        };
        let events = messages
            .into_iter()
            .map(|message| ToDeviceEvent {
                sender: message.sender,
                event_type: message.event_type,
                content: serde_json::from_str(&message.content).unwrap_or(Value::Null),
            })
            .collect();
        Ok((events, position))
    }
}

/// The `message_id` of a request's EDU to `server`: derived from the request's key, so a
/// retried request gets the same one (the spec caps it at 32 codepoints).
fn message_id((user_id, device_id, txn_id): (&str, &str, &str), server: &str) -> String {
    let mut hash = Sha256::new();
    for part in [user_id, device_id, txn_id, server] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let mut id = URL_SAFE_NO_PAD.encode(hash.finalize());
    id.truncate(32);
    id
}

#[cfg(test)]
mod tests {
    use super::message_id;

    #[test]
    fn message_ids_are_stable_per_request_and_destination() {
        let key = ("@a:x", "DEV", "txn1");
        let id = message_id(key, "y");
        assert_eq!(id.chars().count(), 32);
        assert_eq!(id, message_id(key, "y"));
        assert_ne!(id, message_id(key, "z"));
        assert_ne!(id, message_id(("@a:x", "DEV", "txn2"), "y"));
    }
}
