//! `PUT /_matrix/federation/v2/send_leave/{roomId}/{eventId}` (and v1, answered `[200, {}]`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Value};

use super::{Handshake, MembershipPort};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// `send_leave` v2.
pub const V2: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &["/_matrix/federation/v2/send_leave/{room_id}/{event_id}"],
    auth: Auth::XMatrix,
};

/// `send_leave` v1.
pub const V1: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &["/_matrix/federation/v1/send_leave/{room_id}/{event_id}"],
    auth: Auth::XMatrix,
};

/// `send_leave` v2: `{}`.
pub async fn v2<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, event_id)): Path<(String, String)>,
    Json(pdu): Json<Value>,
) -> Result<Json<Value>, MatrixError> {
    port.send_membership(&origin.0, Handshake::Leave, &room_id, &event_id, pdu)
        .await?;
    Ok(Json(json!({})))
}

/// `send_leave` v1: `[200, {}]`.
pub async fn v1<P: MembershipPort>(
    State(port): State<Arc<P>>,
    origin: Origin,
    Path((room_id, event_id)): Path<(String, String)>,
    Json(pdu): Json<Value>,
) -> Result<Json<Value>, MatrixError> {
    port.send_membership(&origin.0, Handshake::Leave, &room_id, &event_id, pdu)
        .await?;
    Ok(Json(json!([200, {}])))
}
