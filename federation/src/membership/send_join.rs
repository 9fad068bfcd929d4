//! `PUT /_matrix/federation/v2/send_join/{roomId}/{eventId}` (and v1, whose answer is wrapped in
//! `[200, …]`), and `PUT /_matrix/federation/v1/send_knock/{roomId}/{eventId}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Value};

use super::{Handshake, MembershipPort};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// `send_join` v2.
pub const V2: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &["/_matrix/federation/v2/send_join/{room_id}/{event_id}"],
    auth: Auth::XMatrix,
};

/// `send_join` v1 (deprecated; still called by older servers).
pub const V1: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &["/_matrix/federation/v1/send_join/{room_id}/{event_id}"],
    auth: Auth::XMatrix,
};

/// `send_knock`.
pub const KNOCK: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &["/_matrix/federation/v1/send_knock/{room_id}/{event_id}"],
    auth: Auth::XMatrix,
};

/// `send_join` v2: the state and auth chain before the join.
pub async fn v2<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, event_id)): Path<(String, String)>,
    Json(pdu): Json<Value>,
) -> Result<Json<Value>, MatrixError> {
    port.send_membership(&origin.0, Handshake::Join, &room_id, &event_id, pdu)
        .await
        .map(Json)
}

/// `send_join` v1: the same, as `[200, {…}]`.
pub async fn v1<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, event_id)): Path<(String, String)>,
    Json(pdu): Json<Value>,
) -> Result<Json<Value>, MatrixError> {
    let answer = port
        .send_membership(&origin.0, Handshake::Join, &room_id, &event_id, pdu)
        .await?;
    Ok(Json(json!([200, answer])))
}

/// `send_knock`: the stripped state the knocking user sees.
pub async fn knock<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, event_id)): Path<(String, String)>,
    Json(pdu): Json<Value>,
) -> Result<Json<Value>, MatrixError> {
    port.send_membership(&origin.0, Handshake::Knock, &room_id, &event_id, pdu)
        .await
        .map(Json)
}
