//! The resident server's side of the membership handshakes (spec `server-server-api.md`
//! § "Joining Rooms", "Leaving Rooms (Rejecting Invites)"): `make_*` builds the membership
//! event on the room's tip exactly as a local one (so it is authorised against the current
//! state first: a banned user gets 403 here, not later) and hands it out without hashes,
//! signatures or (v1–v2) event id; `send_*` takes the remote server's signed event in like any
//! received PDU, and for a join answers the state before it and its auth chain.

use std::collections::{BTreeSet, HashSet};

use axum::http::StatusCode;
use client_api::MatrixError;
use serde_json::{json, Value};
use state_res::ids::server_name_of;
use state_res::pdu::Pdu;

use super::membership::member_event;
use super::receive::Received;
use super::remote::RemoteEvents;
use super::Rooms;
use crate::services::internal;

const MEMBER: &str = "m.room.member";

impl Rooms {
    /// `make_join` / `make_leave` / `make_knock`: a template `membership` event of `user_id`,
    /// `{"event": …, "room_version": …}`.
    pub async fn make_membership(
        &self,
        origin: &str,
        membership: &str,
        room_id: &str,
        user_id: &str,
        versions: &[String],
    ) -> Result<Value, MatrixError> {
        if server_name_of(user_id) != Some(origin) {
            return Err(MatrixError::forbidden(
                "The user does not belong to the requesting server",
            ));
        }
        let version = self.known_version(room_id).await?;
        self.check_server_acl(room_id, origin).await?;
        if !self.is_resident(room_id).await? {
            return Err(MatrixError::not_found("This server is not in the room"));
        }
        let incompatible = !versions.iter().any(|v| v == version.id)
            || (membership == "knock" && !version.knocking);
        if incompatible {
            return Err(MatrixError::new(
                StatusCode::BAD_REQUEST,
                "M_INCOMPATIBLE_ROOM_VERSION",
                format!("The room has version {}", version.id),
            ));
        }
        let _lock = self.locks.lock(room_id).await;
        let mut head = self.room_head(room_id).await?;
        let mut template = member_event(user_id, membership, None);
        if membership == "join" {
            if let Some(authoriser) = self.join_authoriser(&mut head, user_id).await? {
                template.content.insert(
                    "join_authorised_via_users_server".to_owned(),
                    Value::String(authoriser),
                );
            }
        }
        let pdu = self.prepare(&mut head, user_id, template).await?;
        self.heads.put(head);
        let mut event = pdu.into_json();
        for generated in ["hashes", "signatures", "unsigned"] {
            event.remove(generated);
        }
        if version.event_id_format == state_res::room_version::EventIdFormat::Random {
            event.remove("event_id");
        }
        Ok(json!({"event": event, "room_version": version.id}))
    }

    /// Whether a local user is joined to the room (this server is resident).
    pub async fn is_resident(&self, room_id: &str) -> Result<bool, MatrixError> {
        let joined = self
            .database
            .members_with_membership(room_id, "join")
            .await
            .map_err(internal)?;
        Ok(joined
            .iter()
            .any(|m| server_name_of(&m.user_id) == Some(self.server_name.as_str())))
    }

    /// `send_join` / `send_leave` / `send_knock`: takes in `pdu` (checked for format,
    /// signatures and hashes by the caller) after the handshake's own checks; for a join, the
    /// v2 response.
    pub async fn send_membership(
        &self,
        origin: &str,
        membership: &str,
        room_id: &str,
        event_id: &str,
        pdu: &Pdu,
        remote: &impl RemoteEvents,
    ) -> Result<Value, MatrixError> {
        check_membership_event(origin, membership, room_id, event_id, pdu)?;
        match self.receive_pdu(origin, pdu, remote).await? {
            // The resident server passes the event on to the room's other servers (spec
            // § "Joining Rooms": "must also send the event to other servers").
            Received::Accepted => self.send_to_servers_except(pdu, Some(origin)).await,
            Received::AlreadyKnown => {}
            Received::Rejected(reason) | Received::SoftFailed(reason) => {
                return Err(MatrixError::forbidden(format!(
                    "The membership event is not allowed: {reason}"
                )));
            }
        }
        if membership == "knock" {
            // Spec § "Knocking upon a room": the knocker sees the room's stripped state.
            let _lock = self.locks.lock(room_id).await;
            let mut head = self.room_head(room_id).await?;
            let stripped = self.stripped_state(&mut head, pdu.sender()).await?;
            self.heads.put(head);
            return Ok(json!({ "knock_room_state": stripped }));
        }
        if membership != "join" {
            return Ok(json!({}));
        }
        self.join_response(pdu).await
    }

    /// The v2 `send_join` answer: the state before the join and the auth chain of it and of
    /// the join, served as to any server (`federation_reads`: rejected events left out,
    /// redactions applied).
    async fn join_response(&self, pdu: &Pdu) -> Result<Value, MatrixError> {
        let room_id = pdu.room_id();
        let join = self
            .database
            .get_event(pdu.event_id())
            .await
            .map_err(internal)?
            .ok_or_else(|| MatrixError::internal("The accepted join is not stored"))?;
        let state_ids = self.state_before_event(&join).await?;
        let ids: Vec<&str> = state_ids.values().map(String::as_str).collect();
        let mut state = self.database.events_by_ids(&ids).await.map_err(internal)?;
        state.retain(|e| e.rejection_reason.is_none() && e.room_id == room_id);
        let servers: BTreeSet<&str> = state
            .iter()
            .filter(|e| e.event_type == MEMBER && e.content()["membership"] == "join")
            .filter_map(|e| e.state_key.as_deref().and_then(server_name_of))
            .collect();
        let mut roots = state.clone();
        roots.push(join);
        let auth_chain = self.auth_chain(room_id, &roots).await?;
        let unpruned = HashSet::new();
        Ok(json!({
            "origin": self.server_name,
            "state": self.serve_pdus(&state, &unpruned).await?,
            "auth_chain": self.serve_pdus(&auth_chain, &unpruned).await?,
            "event": pdu.json(),
            "members_omitted": false,
            "servers_in_room": servers,
        }))
    }
}

/// The handshake's own checks on the signed event (spec § "Joining Rooms": the event must be
/// the membership event the template described, for a user of the sending server).
fn check_membership_event(
    origin: &str,
    membership: &str,
    room_id: &str,
    event_id: &str,
    pdu: &Pdu,
) -> Result<(), MatrixError> {
    let bad = |what: &str| {
        MatrixError::bad_json(format!("The event is not a valid {membership}: {what}"))
    };
    if pdu.room_id() != room_id {
        return Err(bad("room_id does not match the path"));
    }
    if pdu.event_id() != event_id {
        return Err(bad("event id does not match the path"));
    }
    if pdu.event_type() != MEMBER || pdu.state_key() != Some(pdu.sender()) {
        return Err(bad("not the sender's own m.room.member event"));
    }
    if pdu.content().get("membership").and_then(Value::as_str) != Some(membership) {
        return Err(bad("wrong membership"));
    }
    if server_name_of(pdu.sender()) != Some(origin) {
        return Err(MatrixError::forbidden(
            "The user does not belong to the requesting server",
        ));
    }
    Ok(())
}
