//! `GET /_matrix/federation/v1/version`: this server's implementation name and version.

use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Value};

use crate::endpoint::{Auth, Endpoint};

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/version"],
    auth: Auth::None,
};

/// `{"server": {"name": "Concord", "version": …}}`.
pub async fn handler() -> Json<Value> {
    Json(json!({"server": {"name": "Concord", "version": env!("CARGO_PKG_VERSION")}}))
}
