//! `PUT /_matrix/client/v3/sendToDevice/{eventType}/{txnId}`: send messages to devices,
//! idempotently per device and transaction id.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{Messages, ToDevicePort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/sendToDevice/{event_type}/{txn_id}",
        "/_matrix/client/v3/sendToDevice/{event_type}/{txn_id}",
    ],
    auth: Auth::AccessToken,
};

/// The body: `{"messages": {user_id: {device_id | "*": content}}}`; any other shape is 400
/// `M_BAD_JSON`.
#[derive(Clone, Debug, Deserialize)]
pub struct Request {
    /// The messages by recipient and device.
    pub messages: Messages,
}

/// Sends; answers `{}`.
pub async fn handler<P: ToDevicePort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((event_type, txn_id)): Path<(String, String)>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Value>, MatrixError> {
    port.send_to_device(&user, &event_type, &txn_id, request.messages)
        .await?;
    Ok(Json(json!({})))
}
