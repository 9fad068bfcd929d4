//! Group commit of concurrent message sends to one room. A send queues its request for the
//! room and takes the room's write lock; whoever holds the lock takes every request queued by
//! then (its own, unless an earlier holder took it) and builds them one on another on the
//! room's tip, then stores them in one transaction (`storage::room_messages`) and answers
//! each. Ten clients sending to one room thus share one commit, one forward-extremity update
//! and one wake-up of the room's `/sync` requests instead of queueing for ten.
//!
//! Each request keeps its own outcome: a transaction id already used answers with the event it
//! sent (also when the same id is queued twice), an event the auth rules reject is answered
//! with 403 and left out, the others are stored. A holder whose request is dropped mid-batch
//! (the client went away) drops the answers it owed; those senders queue again, and the
//! transaction id makes that safe whether or not the first attempt was stored.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use client_api::MatrixError;
use state_res::canonical_json::Object;
use state_res::pdu::Pdu;
use tokio::sync::oneshot;

use super::builder::EventTemplate;
use super::head::RoomHead;
use super::links::redacts;
use super::Rooms;
use crate::services::{internal, now_ms};
use crate::storage::{NewEvent, NewTransaction, RoomEventWrite, StateGroupId, StorageError};

const REDACTION: &str = "m.room.redaction";

/// How often a send queues again after the holder that took its request went away.
const ATTEMPTS: usize = 3;

/// A message send waiting for the room's lock.
pub(super) struct PendingSend {
    /// The sender.
    pub user_id: String,
    /// The sending device (`""` for a token without one).
    pub device_id: String,
    /// The endpoint's path without the transaction id.
    pub request_path: String,
    /// The client's transaction id.
    pub txn_id: String,
    /// The event type.
    pub event_type: String,
    /// The event content.
    pub content: Object,
    reply: Option<oneshot::Sender<Result<String, MatrixError>>>,
}

impl Clone for PendingSend {
    /// The same request, without the answer channel (each attempt queues with its own).
    fn clone(&self) -> Self {
        Self {
            user_id: self.user_id.clone(),
            device_id: self.device_id.clone(),
            request_path: self.request_path.clone(),
            txn_id: self.txn_id.clone(),
            event_type: self.event_type.clone(),
            content: self.content.clone(),
            reply: None,
        }
    }
}

impl PendingSend {
    fn answer(&mut self, result: Result<String, MatrixError>) {
        if let Some(reply) = self.reply.take() {
            // The client may have gone away; nobody to tell then.
            let _ = reply.send(result);
        }
    }

    fn key(&self) -> (&str, &str, &str, &str) {
        (
            &self.user_id,
            &self.device_id,
            &self.request_path,
            &self.txn_id,
        )
    }
}

/// Room id → sends queued for its lock.
#[derive(Default)]
pub(super) struct SendQueues {
    rooms: Mutex<HashMap<String, Vec<PendingSend>>>,
}

impl fmt::Debug for SendQueues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rooms = self.lock().len();
        f.debug_struct("SendQueues").field("rooms", &rooms).finish()
    }
}

impl SendQueues {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<PendingSend>>> {
        // A poisoned map only means a thread panicked while pushing; the map is consistent.
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, room_id: &str, send: PendingSend) {
        self.lock()
            .entry(room_id.to_owned())
            .or_default()
            .push(send);
    }

    fn take(&self, room_id: &str) -> Vec<PendingSend> {
        self.lock().remove(room_id).unwrap_or_default()
    }
}

/// One accepted send of a batch and its event.
struct Built {
    send: PendingSend,
    pdu: Pdu,
    json: String,
    prev_events: Vec<String>,
}

impl Rooms {
    /// Sends a message event once per (user, device, `request_path`, `txn_id`), committed with
    /// the other sends to the room queued at the same time.
    pub(super) async fn send_batched(
        &self,
        send: PendingSend,
        room_id: &str,
    ) -> Result<String, MatrixError> {
        for _ in 0..ATTEMPTS {
            let (reply, answer) = oneshot::channel();
            self.sends.push(
                room_id,
                PendingSend {
                    reply: Some(reply),
                    ..send.clone()
                },
            );
            {
                let _lock = self.locks.lock(room_id).await;
                let batch = self.sends.take(room_id);
                if !batch.is_empty() {
                    self.send_batch(room_id, batch, false).await;
                }
            }
            if let Ok(result) = answer.await {
                return result;
            }
        }
        Err(MatrixError::internal(
            "The send was interrupted; retry it with the same transaction id",
        ))
    }

    /// Builds, stores and answers `batch` (the caller holds the room's lock). Transaction ids
    /// are checked by the store itself (a unique key): only when it reports one already used
    /// are the requests read against the stored ones (`check_txns`) and built again.
    async fn send_batch(&self, room_id: &str, batch: Vec<PendingSend>, check_txns: bool) {
        let mut head = match self.room_head(room_id).await {
            Ok(head) => head,
            Err(error) => {
                for mut send in batch {
                    send.answer(Err(error.clone()));
                }
                return;
            }
        };
        let mut built: Vec<Built> = Vec::with_capacity(batch.len());
        // Requests repeating the transaction of an earlier one in this batch: (request, index).
        let mut repeated: Vec<(PendingSend, usize)> = Vec::new();
        for mut send in batch {
            if let Some(index) = built.iter().position(|b| b.send.key() == send.key()) {
                repeated.push((send, index));
                continue;
            }
            if check_txns {
                match self.earlier_send(&send).await {
                    Ok(None) => {}
                    Ok(Some(event_id)) => {
                        send.answer(Ok(event_id));
                        continue;
                    }
                    Err(error) => {
                        send.answer(Err(error));
                        continue;
                    }
                }
            }
            match self.build_send(&mut head, &send).await {
                Ok((pdu, json, prev_events)) => built.push(Built {
                    send,
                    pdu,
                    json,
                    prev_events,
                }),
                Err(error) => send.answer(Err(error)),
            }
        }
        let stored = self.store_batch(&built, head.state_group).await;
        if let Err(StorageError::Conflict(_)) = stored {
            if !check_txns {
                // A transaction id was used before (a client's retry): nothing was stored.
                self.heads.forget(room_id);
                let again = built.into_iter().map(|b| b.send);
                let again = again.chain(repeated.into_iter().map(|(send, _)| send));
                Box::pin(self.send_batch(room_id, again.collect(), true)).await;
                return;
            }
        }
        let answers: Vec<Result<String, MatrixError>> = built
            .iter()
            .map(|b| match &stored {
                Ok(()) => Ok(b.pdu.event_id().to_owned()),
                Err(_) => Err(MatrixError::internal("Internal server error")),
            })
            .collect();
        if let Err(error) = stored {
            self.heads.forget(room_id);
            tracing::error!(%error, "storing a batch of sends");
        }
        for (send, index) in &mut repeated {
            send.answer(answers[*index].clone());
        }
        let stored_any = answers.iter().any(Result::is_ok);
        for (b, answer) in built.iter_mut().zip(answers) {
            b.send.answer(answer);
        }
        if stored_any {
            // Sends are not state events: the tip's members are still the room's.
            self.notifier
                .notify_room_cached(&self.database, room_id, &mut head.interested_users)
                .await;
            let pdus: Vec<&Pdu> = built.iter().map(|b| &b.pdu).collect();
            self.send_all_to_servers(&mut head, &pdus).await;
            self.heads.put(head);
        }
    }

    /// The event a request's transaction id already sent, if any.
    async fn earlier_send(&self, send: &PendingSend) -> Result<Option<String>, MatrixError> {
        self.database
            .transaction_event(
                &send.user_id,
                &send.device_id,
                &send.request_path,
                &send.txn_id,
            )
            .await
            .map_err(internal)
    }

    /// Builds and authorises `send`'s event on `head` and moves `head` onto it: the event, its
    /// JSON text and its `prev_events`.
    async fn build_send(
        &self,
        head: &mut RoomHead,
        send: &PendingSend,
    ) -> Result<(Pdu, String, Vec<String>), MatrixError> {
        if send.event_type == REDACTION {
            self.check_redaction(head, &send.user_id, &send.content)
                .await?;
        }
        let template = EventTemplate::message(&send.event_type, send.content.clone());
        let prev_events: Vec<String> = head
            .prev_events
            .iter()
            .map(|prev| prev.event_id.clone())
            .collect();
        let pdu = self.prepare(head, &send.user_id, template).await?;
        let json = serde_json::to_string(pdu.json()).map_err(|error| {
            tracing::error!(%error, "serialising a PDU");
            MatrixError::internal("Internal server error")
        })?;
        let group = head
            .state_group
            .ok_or_else(|| MatrixError::internal("Internal server error"))?;
        head.advance(pdu.clone(), group);
        Ok((pdu, json, prev_events))
    }

    /// Stores the built events of a batch in one transaction.
    async fn store_batch(
        &self,
        built: &[Built],
        state: Option<StateGroupId>,
    ) -> Result<(), StorageError> {
        if built.is_empty() {
            return Ok(());
        }
        let created_ts = now_ms();
        let writes: Vec<RoomEventWrite> = built
            .iter()
            .map(|b| RoomEventWrite {
                event: NewEvent {
                    event_id: b.pdu.event_id(),
                    room_id: b.pdu.room_id(),
                    event_type: b.pdu.event_type(),
                    state_key: None,
                    sender: b.pdu.sender(),
                    origin_server_ts: b.pdu.origin_server_ts(),
                    depth: b.pdu.depth(),
                    json: &b.json,
                    rejection_reason: None,
                    outlier: false,
                },
                new_room: None,
                state_before: state,
                prev_events: &b.prev_events,
                membership: None,
                transaction: Some(NewTransaction {
                    user_id: &b.send.user_id,
                    device_id: &b.send.device_id,
                    request_path: &b.send.request_path,
                    txn_id: &b.send.txn_id,
                    created_ts,
                }),
                // Only redactions the sender was allowed to make reach this point.
                redacts: redacts(&b.pdu),
                replaces_state: None,
            })
            .collect();
        self.database
            .persist_room_messages(&writes)
            .await
            .map(|_| ())
    }
}

impl PendingSend {
    /// A send of `content` as an `event_type` event, not yet queued.
    pub(super) fn new(
        user_id: &str,
        device_id: &str,
        request_path: &str,
        txn_id: &str,
        event_type: &str,
        content: Object,
    ) -> Self {
        Self {
            user_id: user_id.to_owned(),
            device_id: device_id.to_owned(),
            request_path: request_path.to_owned(),
            txn_id: txn_id.to_owned(),
            event_type: event_type.to_owned(),
            content,
            reply: None,
        }
    }
}
