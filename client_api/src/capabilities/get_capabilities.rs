//! `GET /_matrix/client/v3/capabilities`: what the server lets this user do.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};

use super::CapabilitiesPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/capabilities",
        "/_matrix/client/v3/capabilities",
    ],
    auth: Auth::AccessToken,
};

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// The capabilities.
    pub capabilities: Map<String, Value>,
}

/// Lists the capabilities.
pub async fn handler<P: CapabilitiesPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
) -> Result<Json<Response>, MatrixError> {
    let capabilities = port.capabilities(&user).await?;
    Ok(Json(Response { capabilities }))
}
