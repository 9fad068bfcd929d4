//! Read receipts (client-server API § "Receipts", including private and threaded receipts)
//! and read markers (§ "Fully read markers").
//!
//! A receipt is stored at the next position of the `receipts` stream and only moves forward:
//! a receipt of the same type and thread on an earlier event than the stored one is accepted
//! and ignored (as Synapse). `m.read` wakes the room's users, `m.read.private` only its owner
//! (nobody else ever sees it). `m.fully_read` is the room's account data
//! (`{"event_id": …}`), which also only moves forward.
//!
//! The caller of [`Receipts::receipt`] has already checked that the event exists in the room
//! and is visible to the user (`Rooms::room_event`: 404 otherwise).

use std::collections::BTreeMap;
use std::sync::Arc;

use client_api::sync::BasicEvent;
use client_api::{ClientUser, MatrixError};
use serde_json::{json, Map, Value};
use state_res::ids::server_name_of;
use tracing::instrument;

use super::outgoing::EduOutbox;
use crate::services::account_data::AccountData;
use crate::services::notifier::Notifier;
use crate::services::{internal, now_ms};
use crate::storage::{Database, NewReceipt, StorageError, StreamPosition};

/// `m.read`: a public read receipt.
pub const READ: &str = "m.read";
/// `m.read.private`: a receipt only its owner sees.
pub const READ_PRIVATE: &str = "m.read.private";
/// `m.fully_read`: the read marker (room account data).
pub const FULLY_READ: &str = "m.fully_read";

/// The receipts service.
#[derive(Debug)]
pub struct Receipts {
    database: Database,
    notifier: Arc<Notifier>,
    account_data: Arc<AccountData>,
    /// Where local users' public receipts go to the room's other servers.
    outbox: EduOutbox,
}

impl Receipts {
    /// A receipts service; read markers go to `account_data`.
    pub fn new(
        database: Database,
        notifier: Arc<Notifier>,
        account_data: Arc<AccountData>,
    ) -> Self {
        Self {
            database,
            notifier,
            account_data,
            outbox: EduOutbox::default(),
        }
    }

    /// The same service, sending local users' public (`m.read`) receipts to the room's other
    /// servers through `outbox`.
    pub fn with_outbox(mut self, outbox: EduOutbox) -> Self {
        self.outbox = outbox;
        self
    }

    /// Checks a receipt request before the event is looked at: a known type (400), a valid
    /// `thread_id` (a non-empty string; none with `m.fully_read`: 400).
    pub fn check_request(receipt_type: &str, thread_id: Option<&str>) -> Result<(), MatrixError> {
        if ![READ, READ_PRIVATE, FULLY_READ].contains(&receipt_type) {
            return Err(MatrixError::invalid_param(format!(
                "Receipt type must be {READ}, {READ_PRIVATE} or {FULLY_READ}"
            )));
        }
        match thread_id {
            Some("") => Err(MatrixError::invalid_param(
                "thread_id field must be a non-empty string",
            )),
            Some(_) if receipt_type == FULLY_READ => Err(MatrixError::invalid_param(format!(
                "thread_id is not compatible with {FULLY_READ} receipts"
            ))),
            _ => Ok(()),
        }
    }

    /// `POST /rooms/{roomId}/receipt/{receiptType}/{eventId}`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, receipt_type))]
    pub async fn receipt(
        &self,
        user: &ClientUser,
        room_id: &str,
        receipt_type: &str,
        event_id: &str,
        thread_id: Option<&str>,
    ) -> Result<(), MatrixError> {
        Self::check_request(receipt_type, thread_id)?;
        let position = self.joined_event_position(user, room_id, event_id).await?;
        if receipt_type == FULLY_READ {
            return self.fully_read(user, room_id, event_id, position).await;
        }
        let ts = now_ms();
        let stored = self
            .database
            .put_receipt(&NewReceipt {
                room_id,
                receipt_type,
                user_id: &user.user_id,
                thread_id,
                event_id,
                event_position: position,
                ts,
            })
            .await
            .map_err(internal)?;
        if stored.is_some() {
            if receipt_type == READ_PRIVATE {
                self.notifier.notify_users(&[&user.user_id]);
            } else {
                self.notifier
                    .notify_room(&self.database, room_id, None)
                    .await;
                // Only public receipts that moved forward travel (spec § "Receipts").
                self.outbox
                    .read_receipt(room_id, &user.user_id, event_id, ts, thread_id)
                    .await;
            }
        }
        Ok(())
    }

    /// `POST /rooms/{roomId}/read_markers`: each given marker as its receipt (the caller has
    /// checked the events, as for [`Receipts::receipt`]).
    pub async fn read_markers(
        &self,
        user: &ClientUser,
        room_id: &str,
        fully_read: Option<&str>,
        read: Option<&str>,
        read_private: Option<&str>,
    ) -> Result<(), MatrixError> {
        for (receipt_type, event_id) in [
            (FULLY_READ, fully_read),
            (READ, read),
            (READ_PRIVATE, read_private),
        ] {
            if let Some(event_id) = event_id {
                self.receipt(user, room_id, receipt_type, event_id, None)
                    .await?;
            }
        }
        Ok(())
    }

    /// The `m.receipt` event of the room's receipts changed in `(after, upto]`, as `user_id`
    /// sees them (others' private receipts left out); `None` when there are none.
    pub async fn receipt_event(
        &self,
        room_id: &str,
        user_id: &str,
        after: StreamPosition,
        upto: StreamPosition,
    ) -> Result<Option<BasicEvent>, MatrixError> {
        let receipts = self
            .database
            .room_receipts_between(room_id, after, upto)
            .await
            .map_err(internal)?;
        // Synapse's shape: {"$event": {"m.read": {"@user": {"ts": …, "thread_id": …}}}}.
        let mut content: BTreeMap<String, BTreeMap<String, Map<String, Value>>> = BTreeMap::new();
        for receipt in receipts {
            if receipt.receipt_type == READ_PRIVATE && receipt.user_id != user_id {
                continue;
            }
            let mut data = Map::new();
            data.insert("ts".to_owned(), json!(receipt.ts));
            if let Some(thread_id) = receipt.thread_id {
                data.insert("thread_id".to_owned(), json!(thread_id));
            }
            content
                .entry(receipt.event_id)
                .or_default()
                .entry(receipt.receipt_type)
                .or_default()
                .insert(receipt.user_id, Value::Object(data));
        }
        if content.is_empty() {
            return Ok(None);
        }
        Ok(Some(BasicEvent {
            event_type: "m.receipt".to_owned(),
            content: json!(content),
        }))
    }

    /// The room's `m.fully_read` marker moves to `event_id` unless it is already on a later
    /// event.
    async fn fully_read(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
        position: StreamPosition,
    ) -> Result<(), MatrixError> {
        let current = self
            .account_data
            .load(&user.user_id, Some(room_id), FULLY_READ)
            .await?;
        let current_id = current
            .as_ref()
            .and_then(|data| data.get("event_id"))
            .and_then(Value::as_str);
        if let Some(current_id) = current_id {
            let current = self
                .database
                .get_event(current_id)
                .await
                .map_err(internal)?;
            if current.is_some_and(|event| event.stream_position >= position) {
                return Ok(());
            }
        }
        self.account_data
            .store(
                &user.user_id,
                Some(room_id),
                FULLY_READ,
                &json!({"event_id": event_id}),
            )
            .await
    }

    /// An `m.receipt` EDU from `origin` (server-server API § "Receipts"):
    /// `{room_id: {"m.read": {user_id: {"event_ids": […], "data": {"ts", "thread_id"?}}}}}`.
    /// A receipt is stored when its user belongs to `origin` and is joined to the room and the
    /// event is a known event of the room; anything else is ignored (only `m.read` travels).
    pub async fn remote_receipts(&self, origin: &str, content: &Value) -> Result<(), StorageError> {
        let Some(rooms) = content.as_object() else {
            return Ok(());
        };
        for (room_id, receipts) in rooms {
            let Some(users) = receipts.get(READ).and_then(Value::as_object) else {
                continue;
            };
            let mut stored = false;
            for (user_id, receipt) in users {
                if server_name_of(user_id) != Some(origin)
                    || !self.database.is_joined(room_id, user_id).await?
                {
                    continue;
                }
                let data = receipt.get("data");
                let ts = data
                    .and_then(|d| d.get("ts"))
                    .and_then(Value::as_i64)
                    .unwrap_or_else(now_ms);
                let thread_id = data
                    .and_then(|d| d.get("thread_id"))
                    .and_then(Value::as_str)
                    .filter(|thread| !thread.is_empty());
                let event_ids = receipt.get("event_ids").and_then(Value::as_array);
                for event_id in event_ids.into_iter().flatten().filter_map(Value::as_str) {
                    let Some(event) = self.database.get_event(event_id).await? else {
                        continue;
                    };
                    if event.room_id != *room_id || event.rejection_reason.is_some() {
                        continue;
                    }
                    let receipt = NewReceipt {
                        room_id,
                        receipt_type: READ,
                        user_id,
                        thread_id,
                        event_id,
                        event_position: event.stream_position,
                        ts,
                    };
                    stored |= self.database.put_receipt(&receipt).await?.is_some();
                }
            }
            if stored {
                self.notifier
                    .notify_room(&self.database, room_id, None)
                    .await;
            }
        }
        Ok(())
    }

    /// The event's stream position; the user must be joined (403) and the event in the room
    /// (404).
    async fn joined_event_position(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
    ) -> Result<StreamPosition, MatrixError> {
        let joined = self
            .database
            .is_joined(room_id, &user.user_id)
            .await
            .map_err(internal)?;
        if !joined {
            return Err(MatrixError::forbidden(format!(
                "User {} not in room {room_id}",
                user.user_id
            )));
        }
        let event = self.database.get_event(event_id).await.map_err(internal)?;
        event
            .filter(|event| event.room_id == room_id && event.rejection_reason.is_none())
            .map(|event| event.stream_position)
            .ok_or_else(|| MatrixError::not_found("Event not found"))
    }
}
