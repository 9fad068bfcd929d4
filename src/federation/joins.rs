//! Membership handshakes with a room another server hosts (spec `server-server-api.md`
//! § "Joining Rooms", "Leaving Rooms (Rejecting Invites)", "Knocking upon a room"): ask a
//! resident server for a template (`make_join`/`make_leave`/`make_knock`), check that it is
//! the event asked for, fill in `origin`, `origin_server_ts`, the content (profile, reason)
//! and (v1–v2) an event id, sign it and hand it back (`send_*`). A join then stores the room
//! from the answer's state and auth chain (`Rooms::complete_remote_join`), after checking
//! every event; a leave or knock is stored as the user's membership in a room this server is
//! not in. Candidates are tried in order until one works.

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
    /// Gives `user_id` the `membership` (join, leave, knock) in `room_id` through the first of
    /// `servers` that lets it; `content` (profile, reason) goes into the member event.
    pub async fn handshake(
        &self,
        membership: &str,
        user_id: &str,
        room_id: &str,
        servers: &[String],
        content: Object,
    ) -> Result<(), MatrixError> {
        let mut last_error = MatrixError::not_found("No server to reach the room through");
        for server in servers.iter().filter(|s| s.as_str() != self.server_name) {
            match self
                .handshake_via(membership, server, user_id, room_id, &content)
                .await
            {
                Ok(()) => return Ok(()),
                Err(error) => {
                    tracing::info!(%server, room_id, membership, error = %error.error, "membership handshake failed");
                    last_error = error;
                }
            }
        }
        Err(last_error)
    }

    async fn handshake_via(
        &self,
        membership: &str,
        server: &str,
        user_id: &str,
        room_id: &str,
        content: &Object,
    ) -> Result<(), MatrixError> {
        let versions: Vec<String> = RoomVersion::ALL
            .iter()
            .map(|v| format!("ver={}", v.id))
            .collect();
        let path = format!(
            "/_matrix/federation/v1/make_{membership}/{}/{}?{}",
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
            .ok_or_else(|| bad_gateway(server, "the template answer has no event"))?;
        let expected = Expected {
            membership,
            user_id,
            room_id,
        };
        let mut event = self.fill_template(template, &version, &expected, content, server)?;
        sign_event(&mut event, &version, self.server_name, self.key)
            .map_err(|e| bad_gateway(server, &format!("cannot sign the template: {e}")))?;
        let pdu = Pdu::from_json(event, &version)
            .map_err(|e| bad_gateway(server, &format!("the template is no PDU: {e}")))?;
        let send = match membership {
            "knock" => "v1/send_knock",
            "leave" => "v2/send_leave",
            _ => "v2/send_join",
        };
        let path = format!(
            "/_matrix/federation/{send}/{}/{}",
            path_segment(room_id),
            path_segment(pdu.event_id())
        );
        let body = Value::Object(pdu.json().clone());
        let answer = self
            .request(Method::PUT, server, &path, Some(&body))
            .await?;
        match membership {
            "join" => self.complete_join(&version, pdu, &answer).await,
            "knock" => {
                let state = answer
                    .get("knock_room_state")
                    .or_else(|| answer.get("knock_state_events"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                self.rooms.store_remote_membership(&pdu, Some(&state)).await
            }
            _ => self.rooms.store_remote_membership(&pdu, None).await,
        }
    }

    /// Stores the room a join (answered with `answer`) enters.
    async fn complete_join(
        &self,
        version: &RoomVersion,
        join: Pdu,
        answer: &Value,
    ) -> Result<(), MatrixError> {
        let version = *version;
        let state = self.remote.checked(answer, "state", &version).await;
        let auth_chain = self.remote.checked(answer, "auth_chain", &version).await;
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

    /// The template, checked to be the expected member event (spec: "MUST also verify that
    /// the type, room_id, sender, state_key and content.membership fields have the expected
    /// values"), completed.
    fn fill_template(
        &self,
        template: &Object,
        version: &RoomVersion,
        expected: &Expected<'_>,
        content: &Object,
        server: &str,
    ) -> Result<Object, MatrixError> {
        let Expected {
            membership: wanted,
            user_id,
            room_id,
        } = *expected;
        let field = |key: &str| template.get(key).and_then(Value::as_str);
        let membership = template
            .get("content")
            .and_then(|c| c.get("membership"))
            .and_then(Value::as_str);
        let expected = field("type") == Some("m.room.member")
            && field("room_id") == Some(room_id)
            && field("sender") == Some(user_id)
            && field("state_key") == Some(user_id)
            && membership == Some(wanted);
        if !expected {
            return Err(bad_gateway(server, "the template is another event"));
        }
        let mut event = template.clone();
        for generated in ["hashes", "signatures", "unsigned", "event_id"] {
            event.remove(generated);
        }
        if event.contains_key("origin") || !version.redaction.v11 {
            event.insert("origin".to_owned(), json!(self.server_name));
        }
        event.insert("origin_server_ts".to_owned(), json!(now_ms()));
        if let Some(Value::Object(template_content)) = event.get_mut("content") {
            for (key, value) in content {
                template_content
                    .entry(key.clone())
                    .or_insert_with(|| value.clone());
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

/// The member event a template must be.
#[derive(Clone, Copy, Debug)]
struct Expected<'a> {
    membership: &'a str,
    user_id: &'a str,
    room_id: &'a str,
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
