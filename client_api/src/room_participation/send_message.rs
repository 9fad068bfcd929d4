//! `PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}`: send a message event,
//! idempotently per device and transaction id.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};

use super::RoomParticipationPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/send/{event_type}/{txn_id}",
        "/_matrix/client/v3/rooms/{room_id}/send/{event_type}/{txn_id}",
    ],
    auth: Auth::AccessToken,
};

/// The response body of the event sending endpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The event's id.
    pub event_id: String,
}

/// Sends; answers the event id.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((room_id, event_type, txn_id)): Path<(String, String, String)>,
    JsonBody(content): JsonBody<Map<String, Value>>,
) -> Result<Json<Response>, MatrixError> {
    let event_id = port
        .send_message(&user, &room_id, &event_type, &txn_id, content)
        .await?;
    Ok(Json(Response { event_id }))
}
