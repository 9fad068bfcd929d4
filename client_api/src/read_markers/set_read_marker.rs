//! `POST /_matrix/client/v3/rooms/{roomId}/read_markers`: set the read marker and receipts.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::ReadMarkersPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/rooms/{room_id}/read_markers",
        "/_matrix/client/v3/rooms/{room_id}/read_markers",
    ],
    auth: Auth::AccessToken,
};

/// The body: each marker is optional.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// The event the read marker moves to.
    #[serde(default, rename = "m.fully_read")]
    pub fully_read: Option<String>,
    /// A public read receipt.
    #[serde(default, rename = "m.read")]
    pub read: Option<String>,
    /// A private read receipt.
    #[serde(default, rename = "m.read.private")]
    pub read_private: Option<String>,
}

/// Applies the markers; answers `{}`.
pub async fn handler<P: ReadMarkersPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(room_id): Path<String>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Value>, MatrixError> {
    port.set_read_markers(&user, &room_id, request).await?;
    Ok(Json(json!({})))
}
