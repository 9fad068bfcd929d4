//! The joining server's side of a join through another server (spec `server-server-api.md`
//! § "Joining Rooms"): after `send_join`, the room as the resident server described it — the
//! state before the join and its auth chain, checked for format, signatures and hashes by the
//! caller, stored as outliers (each checked against its own auth events), the state as this
//! room's first state group here, and the join on top of it as the room's only forward
//! extremity.

use client_api::MatrixError;
use serde_json::Value;
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

use super::receive::{new_event, pdu_text, state_map_of};
use super::resolver::store_state;
use super::Rooms;
use crate::services::internal;
use crate::storage::{NewRoom, RemoteEventWrite, Verdict};

const CREATE: &str = "m.room.create";
const MEMBER: &str = "m.room.member";

impl Rooms {
    /// Stores the room `join` (our user's signed join, accepted by the resident server) enters,
    /// with the `state` before it and the `auth_chain`.
    pub async fn complete_remote_join(
        &self,
        version: &RoomVersion,
        join: &Pdu,
        state: &[Pdu],
        auth_chain: &[Pdu],
    ) -> Result<(), MatrixError> {
        let room_id = join.room_id();
        let _lock = self.locks.lock(room_id).await;
        self.heads.forget(room_id);
        self.store_outliers(version, auth_chain).await?;
        self.store_outliers(version, state).await?;
        let state_map = state_map_of(state, room_id);
        let create = state
            .iter()
            .find(|pdu| pdu.event_type() == CREATE && pdu.state_key() == Some(""))
            .ok_or_else(|| bad_gateway("the room's state has no create event"))?;
        if let Some(reason) = self.check_against_state(join, version, &state_map).await? {
            return Err(MatrixError::forbidden(format!(
                "The join is not allowed by the room's state: {reason}"
            )));
        }
        let known = self
            .database
            .get_room(room_id)
            .await
            .map_err(internal)?
            .is_some();
        if known {
            // Back in a room this server had left: its old tips are history now.
            self.database
                .clear_forward_extremities(room_id)
                .await
                .map_err(internal)?;
        }
        let state_before = store_state(&self.database, room_id, None, &state_map).await?;
        self.database
            .set_backfill_anchor(room_id, state_before)
            .await
            .map_err(internal)?;
        let json = pdu_text(join)?;
        let member_key = (MEMBER.to_owned(), join.sender().to_owned());
        let write = RemoteEventWrite {
            event: new_event(join, &json, None, false),
            new_room: (!known).then(|| NewRoom {
                room_id,
                room_version: version.id,
                creator: create.sender(),
                created_ts: create.origin_server_ts(),
            }),
            state_before,
            prev_events: join.prev_events(),
            membership: Some("join"),
            redacts: None,
            replaces_state: state_map.get(&member_key).map(String::as_str),
            verdict: Verdict::Accepted {
                current_state: None,
            },
        };
        match self.database.persist_remote_event(&write).await {
            Ok(_) => {}
            // The resident server's copy arrived first (a /send racing the send_join answer).
            Err(crate::storage::StorageError::Conflict(_)) => return Ok(()),
            Err(error) => return Err(internal(error)),
        }
        let members: Vec<(String, String, String)> = state
            .iter()
            .filter(|pdu| pdu.event_type() == MEMBER && pdu.state_key() != Some(join.sender()))
            .filter(|pdu| state_map.values().any(|id| id == pdu.event_id()))
            .filter_map(|pdu| {
                let membership = pdu.content().get("membership").and_then(Value::as_str)?;
                Some((
                    pdu.state_key()?.to_owned(),
                    membership.to_owned(),
                    pdu.event_id().to_owned(),
                ))
            })
            .collect();
        self.database
            .set_memberships(room_id, &members)
            .await
            .map_err(internal)?;
        self.notifier
            .notify_room(&self.database, room_id, Some(join.sender()))
            .await;
        Ok(())
    }
}

/// 502: the resident server's answer cannot be used.
fn bad_gateway(problem: &str) -> MatrixError {
    MatrixError::new(
        axum::http::StatusCode::BAD_GATEWAY,
        "M_UNKNOWN",
        format!("The resident server's answer is unusable: {problem}"),
    )
}
