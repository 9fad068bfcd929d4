//! The resident server's side of the membership handshakes (spec `server-server-api.md`
//! § "Joining Rooms", "Leaving Rooms (Rejecting Invites)"): `make_*` builds the membership
//! event on the room's tip exactly as a local one (so it is authorised against the current
//! state first: a banned user gets 403 here, not later) and hands it out without hashes,
//! signatures or (v1–v2) event id; `send_*` takes the remote server's signed event in like any
//! received PDU, and for a join answers the state before it and its auth chain.

use std::collections::HashSet;

use axum::http::StatusCode;
use client_api::MatrixError;
use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::ids::server_name_of;
use state_res::pdu::Pdu;

use super::membership::member_event;
use super::receive::Received;
use super::remote::RemoteEvents;
use super::resolver::{load_closure, resolve_states};
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
        self.heads.put(&head);
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
            self.heads.put(&head);
            return Ok(json!({ "knock_room_state": stripped }));
        }
        if membership != "join" {
            return Ok(json!({}));
        }
        self.join_response(pdu).await
    }

    /// The v2 `send_join` answer: the state before the join and the auth chain of it and of
    /// the join, as stored PDUs.
    async fn join_response(&self, pdu: &Pdu) -> Result<Value, MatrixError> {
        let version = self.known_version(pdu.room_id()).await?;
        let mut states = Vec::new();
        for prev in pdu.prev_events() {
            if let Some(group) = self
                .database
                .event_state_group(prev)
                .await
                .map_err(internal)?
            {
                states.push(self.database.load_state(group).await.map_err(internal)?);
            }
        }
        let state = resolve_states(&self.database, &version, pdu.room_id(), &states).await?;
        let roots = state.values().chain(pdu.auth_events()).cloned();
        let (events, _) = load_closure(&self.database, &version, roots).await?;
        let state_pdus: Vec<&Object> = state
            .values()
            .filter_map(|id| events.get(id))
            .map(Pdu::json)
            .collect();
        // The auth chain: every ancestor through `auth_events` of the state and of the join.
        let mut chain: HashSet<&str> = HashSet::new();
        let mut frontier: Vec<&str> = state
            .values()
            .filter_map(|id| events.get(id))
            .chain(std::iter::once(pdu))
            .flat_map(|event| event.auth_events().iter().map(String::as_str))
            .collect();
        while let Some(id) = frontier.pop() {
            if let Some(event) = events.get(id) {
                if chain.insert(event.event_id()) {
                    frontier.extend(event.auth_events().iter().map(String::as_str));
                }
            }
        }
        let auth_chain: Vec<&Object> = chain
            .iter()
            .filter_map(|id| events.get(*id))
            .map(Pdu::json)
            .collect();
        let servers: HashSet<&str> = state
            .iter()
            .filter(|((kind, _), _)| kind == MEMBER)
            .filter_map(|(_, id)| events.get(id))
            .filter(|member| {
                member.content().get("membership").and_then(Value::as_str) == Some("join")
            })
            .filter_map(|member| member.state_key().and_then(server_name_of))
            .collect();
        Ok(json!({
            "origin": self.server_name,
            "state": state_pdus,
            "auth_chain": auth_chain,
            "event": pdu.json(),
            "members_omitted": false,
            "servers_in_room": servers.into_iter().collect::<Vec<_>>(),
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
