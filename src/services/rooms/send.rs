//! Sending events: `PUT /rooms/{roomId}/send/{eventType}/{txnId}` and
//! `PUT /rooms/{roomId}/redact/{eventId}/{txnId}` (message events, idempotent per device,
//! endpoint path and transaction id) and `PUT /rooms/{roomId}/state/…` (state
//! events; re-sending the current content as its sender changes nothing, as in Synapse).
//!
//! Message events go through `send_batch` (group commit of concurrent sends to one room): the
//! transaction id is looked up under the room's lock (two concurrent retries send once) and
//! stored in the transaction that stores the event.

use client_api::{ClientUser, MatrixError};
use serde_json::Value;
use state_res::auth::PowerLevels;
use state_res::canonical_json::Object;
use tracing::instrument;

use super::builder::EventTemplate;
use super::head::RoomHead;
use super::send_batch::PendingSend;
use super::{valid_room_id, Rooms};
use crate::services::internal;

const REDACTION: &str = "m.room.redaction";

impl Rooms {
    /// Sends a message event and returns its id (the first one's, for a repeated transaction).
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, event_type))]
    pub async fn send_message(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        txn_id: &str,
        content: Object,
    ) -> Result<String, MatrixError> {
        valid_room_id(room_id)?;
        let request_path = format!("rooms/{room_id}/send/{event_type}");
        self.send_with_txn(user, room_id, event_type, &request_path, txn_id, content)
            .await
    }

    /// `PUT /rooms/{roomId}/redact/{eventId}/{txnId}`: an `m.room.redaction` of `event_id`
    /// (`redacts` goes to the top level in room versions before 11, see `builder`).
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, event_id))]
    pub async fn redact_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
        txn_id: &str,
        reason: Option<String>,
    ) -> Result<String, MatrixError> {
        valid_room_id(room_id)?;
        let mut content = Object::new();
        content.insert("redacts".to_owned(), Value::from(event_id));
        if let Some(reason) = reason {
            content.insert("reason".to_owned(), Value::from(reason));
        }
        let request_path = format!("rooms/{room_id}/redact/{event_id}");
        self.send_with_txn(user, room_id, REDACTION, &request_path, txn_id, content)
            .await
    }

    /// Sends a message event once per (user, device, `request_path`, `txn_id`).
    async fn send_with_txn(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        request_path: &str,
        txn_id: &str,
        content: Object,
    ) -> Result<String, MatrixError> {
        let device_id = user.device_id.as_deref().unwrap_or_default();
        let send = PendingSend::new(
            &user.user_id,
            device_id,
            request_path,
            txn_id,
            event_type,
            content,
        );
        self.send_batched(send, room_id).await
    }

    /// Sends a state event and returns its id.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, event_type))]
    pub async fn set_state(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        state_key: &str,
        content: Object,
    ) -> Result<String, MatrixError> {
        valid_room_id(room_id)?;
        let _lock = self.locks.lock(room_id).await;
        let mut head = self.room_head(room_id).await?;
        let key = (event_type.to_owned(), state_key.to_owned());
        head.load_events(&self.database, std::slice::from_ref(&key))
            .await?;
        if let Some(current) = head.get(event_type, state_key) {
            if current.sender() == user.user_id && current.content() == &content {
                return Ok(current.event_id().to_owned());
            }
        }
        let template = EventTemplate::state(event_type, state_key, content);
        let pdu = self
            .append(&mut head, &user.user_id, template, None)
            .await?;
        Ok(pdu.event_id().to_owned())
    }

    /// Room versions 3+ leave redactions out of the auth rules (`v3-handling-redactions`): a
    /// server accepts one if the sender may redact others' events, or redacts their own (the
    /// redacted event's sender, for a local event we know). An accepted redaction is recorded
    /// against its target when persisted, and readers serve the target redacted (`serve`).
    pub(super) async fn check_redaction(
        &self,
        head: &mut RoomHead,
        sender: &str,
        content: &Object,
    ) -> Result<(), MatrixError> {
        let Some(redacts) = content.get("redacts").and_then(Value::as_str) else {
            return Err(MatrixError::bad_json("m.room.redaction needs redacts"));
        };
        let target = self.database.get_event(redacts).await.map_err(internal)?;
        let Some(target) = target.filter(|t| head.room_id.as_deref() == Some(t.room_id.as_str()))
        else {
            return Err(MatrixError::not_found("The event to redact was not found"));
        };
        if target.sender == sender {
            return Ok(());
        }
        let keys = [
            ("m.room.create".to_owned(), String::new()),
            ("m.room.power_levels".to_owned(), String::new()),
        ];
        head.load_events(&self.database, &keys).await?;
        let levels = PowerLevels::from_state(
            &head.version,
            head.get("m.room.create", ""),
            head.get("m.room.power_levels", ""),
        );
        if levels.user_level(sender) >= levels.redact_level() {
            Ok(())
        } else {
            Err(MatrixError::forbidden(
                "You may only redact your own events, or need the redact power level",
            ))
        }
    }
}
