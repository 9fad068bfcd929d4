//! `POST /_matrix/client/v3/keys/claim`: take one-time keys (or fallback keys) of devices, to
//! start Olm sessions with them.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Failures, KeysPort, PerDevice};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/keys/claim",
        "/_matrix/client/v3/keys/claim",
    ],
    auth: Auth::AccessToken,
};

/// The request body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Request {
    /// The algorithm wanted per user and device.
    pub one_time_keys: PerDevice<String>,
    /// How long to wait for other servers, in ms (default 10 s).
    #[serde(default)]
    pub timeout: Option<u64>,
}

/// The response body.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Response {
    /// The servers that could not be reached, with why.
    pub failures: Failures,
    /// The claimed keys: `{user: {device: {"algorithm:key_id": key}}}`.
    pub one_time_keys: PerDevice<Map<String, Value>>,
}

/// Claims the keys.
pub async fn handler<P: KeysPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, MatrixError> {
    Ok(Json(port.claim_keys(&user, request).await?))
}
