//! `GET /.well-known/matrix/server`: where other servers reach this one.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use super::ServerDiscoveryPort;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and path.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/.well-known/matrix/server"],
    auth: Auth::None,
};

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// The delegated server name, with optional port.
    #[serde(rename = "m.server")]
    pub server: String,
}

/// 200 with the configured delegation, or 404 `M_NOT_FOUND` (discovery then goes on to SRV
/// records and port 8448 of the server name itself).
pub async fn handler<P: ServerDiscoveryPort>(
    State(port): State<Arc<P>>,
) -> Result<Json<Response>, MatrixError> {
    let server = port
        .delegated_server_name()
        .ok_or_else(|| MatrixError::not_found("No server delegation is configured"))?;
    Ok(Json(Response { server }))
}
