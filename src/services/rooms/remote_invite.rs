//! Invites across servers (spec `server-server-api.md` § "Inviting to a room"). Out: the
//! invite is built and authorised here, the invitee's server signs it (`InviteSigner`, over
//! federation `/v2/invite`) and only then is it stored and sent. In: an invite of a local user
//! to a room this server is not in is stored as an outlier with the stripped state the
//! inviting server sent, which the invitee's `/sync` shows.

use std::future::Future;

use client_api::MatrixError;
use serde_json::{json, Value};
use state_res::ids::server_name_of;
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

use super::head::RoomHead;
use super::membership::member_event;
use super::receive::{new_event, pdu_text};
use super::{valid_room_id, Rooms};
use crate::services::internal;

/// The state an invitee or knocker sees (client-server API § "Stripped state": Synapse's
/// default list), besides the inviter's own member event.
pub const STRIPPED_STATE_TYPES: [&str; 6] = [
    "m.room.create",
    "m.room.join_rules",
    "m.room.name",
    "m.room.avatar",
    "m.room.canonical_alias",
    "m.room.encryption",
];

/// Has an invite signed by the invitee's server.
pub trait InviteSigner: Sync {
    /// `event` with `server`'s signature added, or why not (its refusal passes through).
    fn sign_invite(
        &self,
        server: &str,
        version: &RoomVersion,
        event: &Pdu,
        invite_room_state: &[Value],
    ) -> impl Future<Output = Result<Pdu, MatrixError>> + Send;
}

impl Rooms {
    /// `POST /rooms/{roomId}/invite` of a user on another server.
    pub async fn invite_remote(
        &self,
        sender: &str,
        room_id: &str,
        target: &str,
        reason: Option<String>,
        signer: &impl InviteSigner,
    ) -> Result<(), MatrixError> {
        valid_room_id(room_id)?;
        let server = server_name_of(target)
            .ok_or_else(|| MatrixError::invalid_param("Invalid user_id"))?
            .to_owned();
        let _lock = self.locks.lock(room_id).await;
        let mut head = self.room_head(room_id).await?;
        let pdu = self
            .prepare(&mut head, sender, member_event(target, "invite", reason))
            .await?;
        let stripped = self.stripped_state(&mut head, sender).await?;
        let signed = signer
            .sign_invite(&server, &head.version, &pdu, &stripped)
            .await?;
        if signed.event_id() != pdu.event_id() || signed.content() != pdu.content() {
            return Err(MatrixError::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "M_UNKNOWN",
                format!("{server} changed the invite it signed"),
            ));
        }
        self.persist(&mut head, &signed, None).await?;
        Ok(())
    }

    /// The room's stripped state with `sender`'s member event, as `invite_room_state` holds it.
    pub(super) async fn stripped_state(
        &self,
        head: &mut RoomHead,
        sender: &str,
    ) -> Result<Vec<Value>, MatrixError> {
        let mut keys: Vec<(String, String)> = STRIPPED_STATE_TYPES
            .iter()
            .map(|kind| ((*kind).to_owned(), String::new()))
            .collect();
        keys.push(("m.room.member".to_owned(), sender.to_owned()));
        head.load_events(&self.database, &keys).await?;
        Ok(keys
            .iter()
            .filter_map(|(kind, key)| head.get(kind, key))
            .map(|event| {
                json!({
                    "type": event.event_type(),
                    "state_key": event.state_key(),
                    "content": event.content(),
                    "sender": event.sender(),
                })
            })
            .collect())
    }

    /// Stores a local user's member event in a room this server is not in: a checked,
    /// co-signed invite from another server, or the user's own knock or rejection sent through
    /// another server; `stripped_state` is what the user may see of the room.
    pub async fn store_remote_membership(
        &self,
        pdu: &Pdu,
        stripped_state: Option<&[Value]>,
    ) -> Result<(), MatrixError> {
        let (Some(user_id), Some(membership)) = (
            pdu.state_key(),
            pdu.content().get("membership").and_then(Value::as_str),
        ) else {
            return Err(MatrixError::bad_json("Not a member event"));
        };
        let json = pdu_text(pdu)?;
        let stripped = stripped_state.map(|events| Value::Array(events.to_vec()).to_string());
        self.database
            .store_remote_membership(
                &new_event(pdu, &json, None, true),
                user_id,
                membership,
                stripped.as_deref(),
            )
            .await
            .map_err(internal)?;
        self.notifier.notify_users(&[user_id]);
        Ok(())
    }
}

impl Rooms {
    /// The server of whoever invited `user_id` to `room_id`, if the user is invited (the
    /// obvious server to join through, spec § "Joining Rooms").
    pub async fn inviter_server(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<Option<String>, MatrixError> {
        let membership = self
            .database
            .membership(room_id, user_id)
            .await
            .map_err(internal)?;
        let Some(membership) = membership.filter(|m| m.membership == "invite") else {
            return Ok(None);
        };
        let invite = self
            .database
            .get_event(&membership.event_id)
            .await
            .map_err(internal)?;
        Ok(invite.and_then(|event| server_name_of(&event.sender).map(str::to_owned)))
    }
}
