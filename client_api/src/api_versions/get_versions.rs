//! `GET /_matrix/client/versions`: the spec versions this server speaks.

use std::collections::BTreeMap;

use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use crate::endpoint::{Auth, Endpoint};

/// Method and path.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/client/versions"],
    auth: Auth::None,
};

/// The versions we advertise: `r0.6.1` (the last r0 release, whose `/r0/` paths we register
/// beside `/v3/`) and `v1.1` to `v1.12`, the releases whose client-server surface this server is
/// built against. Clients pick endpoints and behaviour by the newest version both sides know
/// (matrix-js-sdk refuses servers without `v1.1` or later); a later release is added here once
/// the changes its changelog lists are implemented.
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10",
    "v1.11", "v1.12",
];

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// Supported spec versions.
    pub versions: &'static [&'static str],
    /// Unstable features and whether they are on. None yet.
    pub unstable_features: BTreeMap<String, bool>,
}

/// Answers the version list; needs no authentication and no backend.
pub async fn handler() -> Json<Response> {
    Json(Response {
        versions: SUPPORTED_VERSIONS,
        unstable_features: BTreeMap::new(),
    })
}
