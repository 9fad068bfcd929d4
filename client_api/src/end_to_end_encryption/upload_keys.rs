//! `POST /_matrix/client/v3/keys/upload`: publish the caller's device keys, one-time keys and
//! fallback keys.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::KeysPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/keys/upload",
        "/_matrix/client/v3/keys/upload",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// The device's signed identity keys (`user_id`, `device_id`, `algorithms`, `keys`,
    /// `signatures`).
    #[serde(default)]
    pub device_keys: Option<Map<String, Value>>,
    /// One-time keys by `algorithm:key_id`.
    #[serde(default)]
    pub one_time_keys: Option<Map<String, Value>>,
    /// Fallback keys by `algorithm:key_id` (one per algorithm).
    #[serde(default)]
    pub fallback_keys: Option<Map<String, Value>>,
}

/// The response body.
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    /// Unclaimed one-time keys per algorithm.
    pub one_time_key_counts: BTreeMap<String, u64>,
}

/// Stores the keys.
pub async fn handler<P: KeysPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, MatrixError> {
    let one_time_key_counts = port.upload_keys(&user, request).await?;
    Ok(Json(Response {
        one_time_key_counts,
    }))
}
