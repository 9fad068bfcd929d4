//! `GET /.well-known/matrix/client`: where clients find this homeserver.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use super::ClientDiscoveryPort;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and path.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/.well-known/matrix/client"],
    auth: Auth::None,
};

/// The response body (extra, namespaced keys are allowed by the spec; we send none).
#[derive(Debug, Serialize)]
pub struct Response {
    /// The homeserver for client-server connections.
    #[serde(rename = "m.homeserver")]
    pub homeserver: HomeserverInformation,
}

/// `m.homeserver`.
#[derive(Debug, Serialize)]
pub struct HomeserverInformation {
    /// The base URL clients use.
    pub base_url: String,
}

/// 200 with the configured base URL, or 404 `M_NOT_FOUND` ("no discovery information").
pub async fn handler<P: ClientDiscoveryPort>(
    State(port): State<Arc<P>>,
) -> Result<Json<Response>, MatrixError> {
    let base_url = port
        .homeserver_base_url()
        .ok_or_else(|| MatrixError::not_found("No client discovery information is configured"))?;
    Ok(Json(Response {
        homeserver: HomeserverInformation { base_url },
    }))
}
