//! `TransactionsPort`: transactions pushed to us by other servers (server-server API
//! § "Transactions"), each processed once per (origin, transaction id).

use federation::transactions::{Transaction, TransactionsPort};
use federation::MatrixError;
use serde_json::{json, Map, Value};
use std::sync::Arc;

use state_res::pdu::{event_id_for, Pdu};
use state_res::room_version::RoomVersion;
use tokio::task::JoinSet;

use crate::app::AppState;
use crate::federation::event_checks::check_pdu;
use crate::federation::KeyRing;
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
        // Checks 1–3 for all PDUs at once (signatures and hashes are CPU work: spread over the
        // runtime's threads); then each run of PDUs of one room goes to the room engine at
        // once, in the order they came.
        let mut checks = JoinSet::new();
        for (index, pdu) in transaction.pdus.iter().enumerate() {
            let version = self.pdu_version(pdu).await;
            let key_ring = Arc::clone(&self.key_ring);
            let pdu = pdu.clone();
            checks.spawn(async move { (index, check_received(&key_ring, pdu, version).await) });
        }
        let mut checked: Vec<Option<Result<Pdu, String>>> = vec![None; transaction.pdus.len()];
        while let Some(done) = checks.join_next().await {
            match done {
                Ok((index, result)) => checked[index] = Some(result),
                Err(error) => tracing::error!(%error, "checking a PDU failed"),
            }
        }
        let mut run: Vec<(String, Pdu)> = Vec::new();
        for (pdu, result) in transaction.pdus.iter().zip(checked) {
            match result {
                Some(Ok(checked)) => {
                    if run
                        .last()
                        .is_some_and(|(_, last)| last.room_id() != checked.room_id())
                    {
                        self.receive_run(origin, &mut run, &mut pdus).await;
                    }
                    run.push((checked.event_id().to_owned(), checked));
                }
                Some(Err(error)) => {
                    if let Some(event_id) = self.pdu_event_id(pdu).await {
                        pdus.insert(event_id, json!({ "error": error }));
                    }
                }
                None => {}
            }
        }
        self.receive_run(origin, &mut run, &mut pdus).await;
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
    /// The version of the room a PDU names, or why it cannot be checked.
    async fn pdu_version(&self, pdu: &Value) -> Result<RoomVersion, String> {
        let room_id = pdu
            .get("room_id")
            .and_then(Value::as_str)
            .ok_or("The PDU has no room_id")?;
        self.rooms.known_version(room_id).await.map_err(|e| e.error)
    }

    /// Checks 4–6 (in the room engine) on a run of checked PDUs of one room; their results go
    /// into `results` by event id (an error for those rejected or soft-failed).
    async fn receive_run(
        &self,
        origin: &str,
        run: &mut Vec<(String, Pdu)>,
        results: &mut Map<String, Value>,
    ) {
        if run.is_empty() {
            return;
        }
        let (ids, pdus): (Vec<String>, Vec<Pdu>) = std::mem::take(run).into_iter().unzip();
        let received = self.rooms.receive_pdus(origin, &pdus, &self.remote()).await;
        for (event_id, result) in ids.into_iter().zip(received) {
            let result = match result {
                Ok(Received::Accepted | Received::AlreadyKnown) => json!({}),
                Ok(Received::Rejected(reason)) => json!({ "error": format!("Rejected: {reason}") }),
                Ok(Received::SoftFailed(reason)) => {
                    json!({ "error": format!("Soft-failed: {reason}") })
                }
                Err(error) => json!({ "error": error.error }),
            };
            results.insert(event_id, result);
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
        // The room's version from the room engine's cache (a room we do not know: 404).
        let Ok(version) = self.rooms.known_version(room_id).await else {
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
            "m.device_list_update" | "m.signing_key_update" => {
                self.device_keys
                    .remote_device_list_update(origin, content)
                    .await
            }
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

/// Checks 1–3 on receipt of a PDU (spec § "Checks performed on receipt of a PDU": format,
/// signatures and hashes, in `event_checks`): the PDU, or why it was dropped.
async fn check_received(
    key_ring: &KeyRing,
    pdu: Value,
    version: Result<RoomVersion, String>,
) -> Result<Pdu, String> {
    let version = version?;
    let Value::Object(object) = pdu else {
        return Err("The PDU is not a JSON object".to_owned());
    };
    let checked = check_pdu(key_ring, object, &version)
        .await
        .map_err(|e| e.to_string())?;
    Ok(checked.pdu)
}
