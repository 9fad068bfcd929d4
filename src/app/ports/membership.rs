//! Joins across servers: the resident side of the federation membership handshakes
//! (`MembershipPort`) and the client's `/join` of a room this server is not in.

use axum::http::StatusCode;
use client_api::ClientUser;
use federation::membership::Handshake;
use federation::{MatrixError, MembershipPort};
use serde_json::Value;
use state_res::ids::server_name_of;

use super::server_server::from_client;
use crate::app::AppState;
use crate::federation::event_checks::check_pdu;
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
        let Value::Object(object) = pdu else {
            return Err(bad_json("The event is not a JSON object"));
        };
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
    /// let the user in), else through a resident server among `via`, the alias's servers and
    /// the room id's server.
    pub(crate) async fn join_any(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
        via: &[String],
    ) -> Result<String, client_api::MatrixError> {
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
        servers.extend(server_name_of(&room_id).map(str::to_owned));
        servers.retain(|server| server != own);
        let mut seen = std::collections::HashSet::new();
        servers.retain(|server| seen.insert(server.clone()));
        let known = self.rooms.known_version(&room_id).await.is_ok();
        if (known && self.rooms.is_resident(&room_id).await?) || servers.is_empty() {
            return self.rooms.join_room(user, &room_id, reason).await;
        }
        let mut profile = self.rooms.member_profile(&user.user_id).await?;
        if let Some(reason) = reason {
            profile.insert("reason".to_owned(), Value::String(reason));
        }
        let joiner = RemoteJoin {
            remote: self.remote(),
            rooms: &self.rooms,
            server_name: own,
            key: &self.signing_key,
        };
        joiner
            .join(&user.user_id, &room_id, &servers, profile)
            .await?;
        Ok(room_id)
    }
}

fn bad_json(message: &str) -> MatrixError {
    MatrixError::new(StatusCode::BAD_REQUEST, "M_BAD_JSON", message)
}
