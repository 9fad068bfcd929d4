//! `GET /_matrix/client/v3/login`: the login types this server accepts.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use super::SessionPort;
use crate::endpoint::{Auth, Endpoint};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/client/r0/login", "/_matrix/client/v3/login"],
    auth: Auth::None,
};

/// One login type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoginFlow {
    /// The `type` to send to `POST /login`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// The supported login types.
    pub flows: Vec<LoginFlow>,
}

/// Lists the login types.
pub async fn handler<P: SessionPort>(State(port): State<Arc<P>>) -> Json<Response> {
    Json(Response {
        flows: port.login_types(),
    })
}
