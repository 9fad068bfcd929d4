//! `PUT /_matrix/client/v3/rooms/{roomId}/redact/{eventId}/{txnId}`: redact an event,
//! idempotently per device and transaction id.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;

use super::send_message::Response;
use super::RoomParticipationPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBodyOrEmpty;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/redact/{event_id}/{txn_id}",
        "/_matrix/client/v3/rooms/{room_id}/redact/{event_id}/{txn_id}",
    ],
    auth: Auth::AccessToken,
};

/// The request body (may be empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Request {
    /// Why the event is redacted.
    pub reason: Option<String>,
}

/// Sends the redaction; answers its event id.
pub async fn handler<P: RoomParticipationPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((room_id, event_id, txn_id)): Path<(String, String, String)>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<Request>,
) -> Result<Json<Response>, MatrixError> {
    let event_id = port
        .redact_event(&user, &room_id, &event_id, &txn_id, request.reason)
        .await?;
    Ok(Json(Response { event_id }))
}
