//! Joining a room another server hosts (spec `server-server-api.md` § "Joining Rooms"): ask a
//! resident server for a template (`make_join`), check that it is the join asked for, fill in
//! `origin`, `origin_server_ts`, the profile and (v1–v2) an event id, sign it, hand it back
//! (`send_join` v2), check every event of the answer and store the room
//! (`Rooms::complete_remote_join`). Candidates are tried in order until one works.

use axum::http::StatusCode;
use client_api::MatrixError;
use reqwest::Method;
use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::pdu::{sign_event, Pdu};
use state_res::room_version::{EventIdFormat, RoomVersion};
use state_res::signing::KeyPair;

use super::client::{path_segment, FederationError};
use super::event_checks::check_pdu;
use super::remote::FederationRemote;
use crate::services::now_ms;
use crate::services::rooms::Rooms;
use crate::services::secrets::random_string;

const ID_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// What a remote join needs.
#[derive(Clone, Copy, Debug)]
pub struct RemoteJoin<'a> {
    /// Requests and key checks.
    pub remote: FederationRemote<'a>,
    /// Where the room is stored.
    pub rooms: &'a Rooms,
    /// This server's name and key (the join is signed here).
    pub server_name: &'a str,
    /// This server's signing key.
    pub key: &'a KeyPair,
}

impl RemoteJoin<'_> {
    /// Joins `user_id` to `room_id` through the first of `servers` that lets it; `profile`
    /// (display name, avatar) goes into the member event.
    pub async fn join(
        &self,
        user_id: &str,
        room_id: &str,
        servers: &[String],
        profile: Object,
    ) -> Result<(), MatrixError> {
        let mut last_error = MatrixError::not_found("No server to join the room through");
        for server in servers.iter().filter(|s| s.as_str() != self.server_name) {
            match self.join_via(server, user_id, room_id, &profile).await {
                Ok(()) => return Ok(()),
                Err(error) => {
                    tracing::info!(%server, room_id, error = %error.error, "remote join failed");
                    last_error = error;
                }
            }
        }
        Err(last_error)
    }

    async fn join_via(
        &self,
        server: &str,
        user_id: &str,
        room_id: &str,
        profile: &Object,
    ) -> Result<(), MatrixError> {
        let versions: Vec<String> = RoomVersion::ALL
            .iter()
            .map(|v| format!("ver={}", v.id))
            .collect();
        let path = format!(
            "/_matrix/federation/v1/make_join/{}/{}?{}",
            path_segment(room_id),
            path_segment(user_id),
            versions.join("&")
        );
        let answer = self.request(Method::GET, server, &path, None).await?;
        let version_id = answer
            .get("room_version")
            .and_then(Value::as_str)
            .unwrap_or("1");
        let version = RoomVersion::from_id(version_id).ok_or_else(|| {
            MatrixError::bad_request(
                "M_UNSUPPORTED_ROOM_VERSION",
                format!("The room has version {version_id}, unknown here"),
            )
        })?;
        let template = answer
            .get("event")
            .and_then(Value::as_object)
            .ok_or_else(|| bad_gateway(server, "make_join answered no event"))?;
        let mut event =
            self.fill_template(template, &version, user_id, room_id, profile, server)?;
        sign_event(&mut event, &version, self.server_name, self.key)
            .map_err(|e| bad_gateway(server, &format!("cannot sign the template: {e}")))?;
        let join = Pdu::from_json(event, &version)
            .map_err(|e| bad_gateway(server, &format!("the template is no PDU: {e}")))?;
        let path = format!(
            "/_matrix/federation/v2/send_join/{}/{}",
            path_segment(room_id),
            path_segment(join.event_id())
        );
        let body = Value::Object(join.json().clone());
        let answer = self
            .request(Method::PUT, server, &path, Some(&body))
            .await?;
        let state = self.remote.checked(&answer, "state", &version).await;
        let auth_chain = self.remote.checked(&answer, "auth_chain", &version).await;
        // The resident server may have co-signed the join (restricted rooms): use its copy.
        let mut join = join;
        if let Some(signed) = answer.get("event").and_then(Value::as_object) {
            if let Ok(checked) = check_pdu(self.remote.key_ring, signed.clone(), &version).await {
                if checked.pdu.event_id() == join.event_id() && !checked.redacted {
                    join = checked.pdu;
                }
            }
        }
        self.rooms
            .complete_remote_join(&version, &join, &state, &auth_chain)
            .await
    }

    /// The template, checked to be `user_id`'s join of `room_id` (spec: "MUST also verify that
    /// the type, room_id, sender, state_key and content.membership fields have the expected
    /// values"), completed.
    fn fill_template(
        &self,
        template: &Object,
        version: &RoomVersion,
        user_id: &str,
        room_id: &str,
        profile: &Object,
        server: &str,
    ) -> Result<Object, MatrixError> {
        let field = |key: &str| template.get(key).and_then(Value::as_str);
        let membership = template
            .get("content")
            .and_then(|c| c.get("membership"))
            .and_then(Value::as_str);
        let expected = field("type") == Some("m.room.member")
            && field("room_id") == Some(room_id)
            && field("sender") == Some(user_id)
            && field("state_key") == Some(user_id)
            && membership == Some("join");
        if !expected {
            return Err(bad_gateway(server, "make_join answered another event"));
        }
        let mut event = template.clone();
        for generated in ["hashes", "signatures", "unsigned", "event_id"] {
            event.remove(generated);
        }
        if event.contains_key("origin") || !version.redaction.v11 {
            event.insert("origin".to_owned(), json!(self.server_name));
        }
        event.insert("origin_server_ts".to_owned(), json!(now_ms()));
        if let Some(Value::Object(content)) = event.get_mut("content") {
            for (key, value) in profile {
                content.entry(key.clone()).or_insert_with(|| value.clone());
            }
        }
        if version.event_id_format == EventIdFormat::Random {
            let id = format!("${}:{}", random_string(ID_ALPHABET, 18), self.server_name);
            event.insert("event_id".to_owned(), json!(id));
        }
        Ok(event)
    }

    /// A signed request whose failure becomes the client's error: the remote server's own
    /// Matrix error where it gave one (403 for a banned user), else 502.
    async fn request(
        &self,
        method: Method,
        server: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, MatrixError> {
        self.remote
            .client
            .request(method, server, path, body)
            .await
            .map_err(relayed)
    }
}

/// A failed request to a resident server as the client's error: its refusal (403, 404, an
/// incompatible room version) passes through, anything else is 502.
pub(super) fn relayed(error: FederationError) -> MatrixError {
    if let FederationError::Status { status, body, .. } = &error {
        let message = body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("The resident server refused")
            .to_owned();
        match body.get("errcode").and_then(Value::as_str) {
            Some("M_FORBIDDEN") => return MatrixError::forbidden(message),
            Some("M_NOT_FOUND") => return MatrixError::not_found(message),
            Some("M_INCOMPATIBLE_ROOM_VERSION") => {
                return MatrixError::bad_request("M_INCOMPATIBLE_ROOM_VERSION", message)
            }
            _ if status.is_client_error() => {
                return MatrixError::new(StatusCode::BAD_GATEWAY, "M_UNKNOWN", message)
            }
            _ => {}
        }
    }
    MatrixError::new(StatusCode::BAD_GATEWAY, "M_UNKNOWN", error.to_string())
}

/// 502: a resident server's answer cannot be used.
pub(super) fn bad_gateway(server: &str, problem: &str) -> MatrixError {
    MatrixError::new(
        StatusCode::BAD_GATEWAY,
        "M_UNKNOWN",
        format!("{server}: {problem}"),
    )
}
