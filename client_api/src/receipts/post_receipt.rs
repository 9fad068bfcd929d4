//! `POST /_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId}`: send a receipt.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::ReceiptsPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBodyOrEmpty;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/receipt/{receipt_type}/{event_id}",
        "/_matrix/client/v3/rooms/{room_id}/receipt/{receipt_type}/{event_id}",
    ],
    auth: Auth::AccessToken,
};

/// The body (may be empty).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// `main` or a thread root's event id: a threaded receipt.
    #[serde(default)]
    pub thread_id: Option<String>,
}

/// Records the receipt; answers `{}`.
pub async fn handler<P: ReceiptsPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((room_id, receipt_type, event_id)): Path<(String, String, String)>,
    JsonBodyOrEmpty(request): JsonBodyOrEmpty<Request>,
) -> Result<Json<Value>, MatrixError> {
    port.post_receipt(
        &user,
        &room_id,
        &receipt_type,
        &event_id,
        request.thread_id.as_deref(),
    )
    .await?;
    Ok(Json(json!({})))
}
