//! `PUT /_matrix/federation/v2/invite/{roomId}/{eventId}` (and v1, whose body is the bare event
//! and whose answer is `[200, {"event": …}]`): a user of this server is invited; the answer is
//! the event with this server's signature added.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Value};

use super::MembershipPort;
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// v2.
pub const V2: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &["/_matrix/federation/v2/invite/{room_id}/{event_id}"],
    auth: Auth::XMatrix,
};

/// v1 (deprecated).
pub const V1: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &["/_matrix/federation/v1/invite/{room_id}/{event_id}"],
    auth: Auth::XMatrix,
};

fn bad_json(message: &str) -> MatrixError {
    MatrixError::new(StatusCode::BAD_REQUEST, "M_BAD_JSON", message)
}

/// v2: `{event, room_version, invite_room_state}` → `{event}`.
pub async fn v2<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, event_id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, MatrixError> {
    let event = body
        .get("event")
        .cloned()
        .ok_or_else(|| bad_json("Missing event"))?;
    let version = body
        .get("room_version")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_json("Missing room_version"))?;
    let stripped = match body.get("invite_room_state") {
        None => Vec::new(),
        Some(Value::Array(events)) => events.clone(),
        Some(_) => return Err(bad_json("invite_room_state must be an array")),
    };
    let signed = port
        .receive_invite(&origin.0, &room_id, &event_id, version, event, stripped)
        .await?;
    Ok(Json(json!({ "event": signed })))
}

/// v1: the event itself (room versions 1 and 2 only, as the spec says).
pub async fn v1<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, event_id)): Path<(String, String)>,
    Json(event): Json<Value>,
) -> Result<Json<Value>, MatrixError> {
    let stripped = event
        .get("unsigned")
        .and_then(|u| u.get("invite_room_state"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let signed = port
        .receive_invite(&origin.0, &room_id, &event_id, "1", event, stripped)
        .await?;
    Ok(Json(json!([200, { "event": signed }])))
}
