//! `TransactionsPort`: transactions pushed to us by other servers (server-server API
//! § "Transactions"), each processed once per (origin, transaction id).

use federation::transactions::{Transaction, TransactionsPort};
use federation::MatrixError;
use serde_json::{json, Map, Value};
use state_res::pdu::event_id_for;
use state_res::room_version::RoomVersion;

use crate::app::AppState;
use crate::federation::event_checks::check_pdu;
use crate::services::now_ms;
use crate::services::rooms::Received;

impl TransactionsPort for AppState {
    async fn receive_transaction(
        &self,
        origin: &str,
        txn_id: &str,
        transaction: Transaction,
    ) -> Result<Value, MatrixError> {
        // One transaction per origin at a time (as Synapse), so a duplicate sent while the
        // first is processed waits for it and then gets its stored response.
        let _origin_lock = self.inbound_transactions.lock(origin).await;
        let stored = self
            .database
            .inbound_transaction(origin, txn_id)
            .await
            .map_err(storage)?;
        if let Some(stored) = stored {
            return serde_json::from_str(&stored).map_err(|error| {
                tracing::error!(%error, origin, txn_id, "a stored transaction response");
                MatrixError::internal("Internal server error")
            });
        }
        // It talks to us, so it is up: send it what we owe now.
        self.federation_sender.peer_is_up(origin).await;
        let mut pdus = Map::new();
        for pdu in &transaction.pdus {
            let Some(event_id) = self.pdu_event_id(pdu).await else {
                continue;
            };
            let result = match self.receive_pdu(origin, pdu).await {
                Ok(_) => json!({}),
                Err(error) => json!({ "error": error }),
            };
            pdus.insert(event_id, result);
        }
        for edu in &transaction.edus {
            self.receive_edu(origin, edu).await;
        }
        let response = json!({ "pdus": pdus });
        self.database
            .store_inbound_transaction(origin, txn_id, &response.to_string(), now_ms())
            .await
            .map_err(storage)?;
        Ok(response)
    }
}

impl AppState {
    /// Runs one PDU of a transaction through the checks on receipt (spec § "Checks performed
    /// on receipt of a PDU": format, signatures and hashes in `event_checks`, the rest in the
    /// room engine): its event id, or why it was dropped, rejected or soft-failed.
    async fn receive_pdu(&self, origin: &str, pdu: &Value) -> Result<String, String> {
        let Some(object) = pdu.as_object() else {
            return Err("The PDU is not a JSON object".to_owned());
        };
        let room_id = object
            .get("room_id")
            .and_then(Value::as_str)
            .ok_or("The PDU has no room_id")?;
        let version = self
            .rooms
            .known_version(room_id)
            .await
            .map_err(|e| e.error)?;
        let checked = check_pdu(&self.key_ring, object.clone(), &version)
            .await
            .map_err(|e| e.to_string())?;
        let event_id = checked.pdu.event_id().to_owned();
        match self
            .rooms
            .receive_pdu(origin, &checked.pdu, &self.remote())
            .await
            .map_err(|e| e.error)?
        {
            Received::Accepted | Received::AlreadyKnown => Ok(event_id),
            Received::Rejected(reason) => Err(format!("Rejected: {reason}")),
            Received::SoftFailed(reason) => Err(format!("Soft-failed: {reason}")),
        }
    }

    /// The key of a PDU in the response: its event id, computed from the PDU in room versions
    /// with hash ids (the room's version from `rooms`), else its `event_id` field; `None` when
    /// neither is known (the PDU is left out of the response).
    async fn pdu_event_id(&self, pdu: &Value) -> Option<String> {
        let field = || {
            pdu.get("event_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let object = pdu.as_object()?;
        let room_id = object.get("room_id").and_then(Value::as_str)?;
        let room = match self.database.get_room(room_id).await {
            Ok(room) => room,
            Err(error) => {
                tracing::warn!(%error, room_id, "reading a room's version");
                None
            }
        };
        let Some(version) = room.and_then(|room| RoomVersion::from_id(&room.room_version)) else {
            return field();
        };
        match event_id_for(object, &version) {
            Ok(Some(event_id)) => Some(event_id),
            Ok(None) | Err(_) => field(),
        }
    }

    /// Hands an EDU to the service of its type (`m.typing`, `m.receipt`, `m.presence`,
    /// `m.direct_to_device`; others are ignored for now). An EDU that fails is dropped: EDUs are not retried.
    async fn receive_edu(&self, origin: &str, edu: &Value) {
        let edu_type = edu
            .get("edu_type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let content = edu.get("content").unwrap_or(&Value::Null);
        let result = match edu_type {
            "m.typing" => {
                let text = |key: &str| content.get(key).and_then(Value::as_str);
                let (Some(room_id), Some(user_id)) = (text("room_id"), text("user_id")) else {
                    return;
                };
                let typing = content
                    .get("typing")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                self.typing
                    .remote_typing(origin, room_id, user_id, typing)
                    .await
            }
            "m.receipt" => self.receipts.remote_receipts(origin, content).await,
            "m.presence" => self.presence.remote_presence(origin, content).await,
            "m.direct_to_device" => self.to_device.receive_edu(origin, content).await,
            _ => {
                tracing::debug!(origin, edu_type, "EDU type not handled yet, ignored");
                Ok(())
            }
        };
        if let Err(error) = result {
            tracing::warn!(%error, origin, edu_type, "an EDU could not be applied");
        }
    }
}

/// A storage failure as the sending server sees it: 500, logged once here.
fn storage(error: crate::storage::StorageError) -> MatrixError {
    tracing::error!(%error, "storage error");
    MatrixError::internal("Internal server error")
}
