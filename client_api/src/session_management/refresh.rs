//! `POST /_matrix/client/v3/refresh`: exchange a refresh token for new tokens.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::SessionPort;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths. Authenticated by the refresh token in the body, not an access token.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_matrix/client/r0/refresh", "/_matrix/client/v3/refresh"],
    auth: Auth::None,
};

/// The request body.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The refresh token.
    pub refresh_token: String,
}

/// The response body.
#[derive(Clone, Debug, Serialize)]
pub struct Response {
    /// The new access token.
    pub access_token: String,
    /// The new refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The new access token's lifetime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_ms: Option<u64>,
}

/// Refreshes.
pub async fn handler<P: SessionPort>(
    State(port): State<Arc<P>>,
    JsonBody(request): JsonBody<Request>,
) -> Result<Json<Response>, MatrixError> {
    port.refresh(request.refresh_token).await.map(Json)
}
