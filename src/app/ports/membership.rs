//! Joins across servers: the resident side of the federation membership handshakes
//! (`MembershipPort`) and the client's `/join` of a room this server is not in.

use axum::http::StatusCode;
use client_api::ClientUser;
use federation::membership::Handshake;
use federation::{MatrixError, MembershipPort};
use serde_json::Value;
use state_res::ids::server_name_of;
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

use super::server_server::from_client;
use crate::app::AppState;
use crate::federation::event_checks::{check_pdu, co_sign};
use crate::federation::joins::RemoteJoin;
use crate::federation::remote::FederationRemote;

impl MembershipPort for AppState {
    async fn make_membership(
        &self,
        origin: &str,
        kind: Handshake,
        room_id: &str,
        user_id: &str,
        versions: &[String],
    ) -> Result<Value, MatrixError> {
        self.rooms
            .make_membership(origin, kind.membership(), room_id, user_id, versions)
            .await
            .map_err(from_client)
    }

    async fn send_membership(
        &self,
        origin: &str,
        kind: Handshake,
        room_id: &str,
        event_id: &str,
        pdu: Value,
    ) -> Result<Value, MatrixError> {
        let version = self
            .rooms
            .known_version(room_id)
            .await
            .map_err(from_client)?;
        let Value::Object(mut object) = pdu else {
            return Err(bad_json("The event is not a JSON object"));
        };
        // A restricted join names one of our users as its authoriser: this server co-signs it
        // (spec § "Restricted rooms") before the signature checks, which require it.
        let authoriser = object
            .get("content")
            .and_then(|c| c.get("join_authorised_via_users_server"))
            .and_then(Value::as_str)
            .and_then(server_name_of);
        if kind == Handshake::Join && authoriser == Some(self.config.server_name.as_str()) {
            co_sign(
                &mut object,
                &version,
                &self.config.server_name,
                &self.signing_key,
            )
            .map_err(|e| bad_json(&e.to_string()))?;
        }
        let checked = check_pdu(&self.key_ring, object, &version)
            .await
            .map_err(|e| bad_json(&e.to_string()))?;
        if checked.redacted {
            return Err(bad_json("The event's content does not match its hash"));
        }
        let answer = self
            .rooms
            .send_membership(
                origin,
                kind.membership(),
                room_id,
                event_id,
                &checked.pdu,
                &self.remote(),
            )
            .await
            .map_err(from_client)?;
        Ok(answer)
    }

    async fn receive_invite(
        &self,
        origin: &str,
        room_id: &str,
        event_id: &str,
        room_version: &str,
        event: Value,
        invite_room_state: Vec<Value>,
    ) -> Result<Value, MatrixError> {
        let version = RoomVersion::from_id(room_version).ok_or_else(|| {
            MatrixError::new(
                StatusCode::BAD_REQUEST,
                "M_INCOMPATIBLE_ROOM_VERSION",
                format!("Room version {room_version} is not supported here"),
            )
        })?;
        self.rooms
            .check_server_acl(room_id, origin)
            .await
            .map_err(from_client)?;
        let Value::Object(object) = event else {
            return Err(bad_json("The event is not a JSON object"));
        };
        let checked = check_pdu(&self.key_ring, object, &version)
            .await
            .map_err(|e| MatrixError::new(StatusCode::FORBIDDEN, "M_FORBIDDEN", e.to_string()))?;
        let pdu = checked.pdu;
        let own = self.config.server_name.as_str();
        let invitee = pdu.state_key().unwrap_or_default();
        let is_invite = pdu.event_type() == "m.room.member"
            && pdu.content().get("membership").and_then(Value::as_str) == Some("invite");
        if checked.redacted || !is_invite || pdu.room_id() != room_id || pdu.event_id() != event_id
        {
            return Err(bad_json("The event is not the invite the path names"));
        }
        if server_name_of(pdu.sender()) != Some(origin) {
            return Err(MatrixError::new(
                StatusCode::FORBIDDEN,
                "M_FORBIDDEN",
                "The inviter does not belong to the requesting server",
            ));
        }
        let local_user = server_name_of(invitee) == Some(own)
            && self
                .database
                .get_user(invitee)
                .await
                .ok()
                .flatten()
                .is_some();
        if !local_user {
            return Err(MatrixError::not_found(
                "The invitee is not a user of this server",
            ));
        }
        let mut signed = pdu.json().clone();
        co_sign(&mut signed, &version, own, &self.signing_key)
            .map_err(|e| MatrixError::internal(e.to_string()))?;
        let signed = Pdu::from_json(signed, &version).map_err(|e| bad_json(&e.to_string()))?;
        let resident = self.rooms.is_resident(room_id).await.map_err(from_client)?;
        if !resident {
            self.rooms
                .store_remote_membership(&signed, Some(&invite_room_state))
                .await
                .map_err(from_client)?;
        }
        Ok(Value::Object(signed.into_json()))
    }
}

impl AppState {
    /// Other servers, as the room engine asks them for events.
    pub(crate) fn remote(&self) -> FederationRemote<'_> {
        FederationRemote {
            client: &self.federation_client,
            key_ring: &self.key_ring,
        }
    }

    /// `/join`: through the room engine when this server is in the room (or nobody else could
    /// let the user in), else through a resident server among `via`, the alias's servers, the
    /// inviter's server and the room id's server.
    pub(crate) async fn join_any(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
        via: &[String],
    ) -> Result<String, client_api::MatrixError> {
        let (room_id, servers) = self.candidates(user, room_id_or_alias, via).await?;
        if self.is_here(&room_id).await? || servers.is_empty() {
            return self.rooms.join_room(user, &room_id, reason).await;
        }
        let mut content = self.rooms.member_profile(&user.user_id).await?;
        if let Some(reason) = reason {
            content.insert("reason".to_owned(), Value::String(reason));
        }
        self.handshake("join", user, &room_id, &servers, content)
            .await?;
        Ok(room_id)
    }

    /// `/knock`: as `/join`, with a knock.
    pub(crate) async fn knock_any(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
    ) -> Result<String, client_api::MatrixError> {
        let (room_id, servers) = self.candidates(user, room_id_or_alias, &[]).await?;
        if self.is_here(&room_id).await? || servers.is_empty() {
            return self.rooms.knock_room(user, &room_id, reason).await;
        }
        let mut content = serde_json::Map::new();
        if let Some(reason) = reason {
            content.insert("reason".to_owned(), Value::String(reason));
        }
        self.handshake("knock", user, &room_id, &servers, content)
            .await?;
        Ok(room_id)
    }

    /// `/leave`: through the room engine when this server is in the room, else (rejecting an
    /// invite, withdrawing a knock) through the inviter's or the room's server.
    pub(crate) async fn leave_any(
        &self,
        user: &ClientUser,
        room_id: &str,
        reason: Option<String>,
    ) -> Result<(), client_api::MatrixError> {
        let (_, servers) = self.candidates(user, room_id, &[]).await?;
        if self.is_here(room_id).await? || servers.is_empty() {
            return self.rooms.leave_room(user, room_id, reason).await;
        }
        let mut content = serde_json::Map::new();
        if let Some(reason) = reason {
            content.insert("reason".to_owned(), Value::String(reason));
        }
        self.handshake("leave", user, room_id, &servers, content)
            .await
    }

    /// Whether this server is in the room (a membership change goes through its own engine).
    async fn is_here(&self, room_id: &str) -> Result<bool, client_api::MatrixError> {
        let known = self.rooms.known_version(room_id).await.is_ok();
        Ok(known && self.rooms.is_resident(room_id).await?)
    }

    /// The room id of `room_id_or_alias` and the other servers that may let the user in:
    /// `via`, the alias's servers, the inviter's server and the room id's server.
    async fn candidates(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        via: &[String],
    ) -> Result<(String, Vec<String>), client_api::MatrixError> {
        let own = self.config.server_name.as_str();
        let mut servers: Vec<String> = via.to_vec();
        let room_id = if room_id_or_alias.starts_with('#') {
            let remote = server_name_of(room_id_or_alias).filter(|s| *s != own);
            let (room_id, alias_servers) = match remote {
                Some(server) => {
                    crate::federation::queries::remote_alias(
                        &self.federation_client,
                        server,
                        room_id_or_alias,
                    )
                    .await?
                }
                None => self.rooms.room_alias(room_id_or_alias).await?,
            };
            servers.extend(alias_servers);
            room_id
        } else {
            room_id_or_alias.to_owned()
        };
        servers.extend(self.rooms.inviter_server(&user.user_id, &room_id).await?);
        servers.extend(server_name_of(&room_id).map(str::to_owned));
        servers.retain(|server| server != own);
        let mut seen = std::collections::HashSet::new();
        servers.retain(|server| seen.insert(server.clone()));
        Ok((room_id, servers))
    }

    async fn handshake(
        &self,
        membership: &str,
        user: &ClientUser,
        room_id: &str,
        servers: &[String],
        content: serde_json::Map<String, Value>,
    ) -> Result<(), client_api::MatrixError> {
        let handshake = RemoteJoin {
            remote: self.remote(),
            rooms: &self.rooms,
            server_name: &self.config.server_name,
            key: &self.signing_key,
        };
        handshake
            .handshake(membership, &user.user_id, room_id, servers, content)
            .await
    }
}

fn bad_json(message: &str) -> MatrixError {
    MatrixError::new(StatusCode::BAD_REQUEST, "M_BAD_JSON", message)
}
