//! `GET /_matrix/key/v2/query/{serverName}`: one server's keys through this notary.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::{notary_answer, NotaryPort};
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/key/v2/query/{server_name}"],
    auth: Auth::None,
};

/// The query string.
#[derive(Debug, Deserialize)]
pub struct Params {
    /// The response must be valid until at least this time (ms); absent means now.
    pub minimum_valid_until_ts: Option<u64>,
}

/// Answers for `server_name`.
pub async fn handler<P: NotaryPort>(
    State(port): State<Arc<P>>,
    Path(server_name): Path<String>,
    Query(params): Query<Params>,
) -> Result<Json<Value>, MatrixError> {
    let minimum = params
        .minimum_valid_until_ts
        .unwrap_or_else(|| super::now_plus(std::time::Duration::ZERO));
    notary_answer(port.as_ref(), &[(server_name, minimum)])
        .await
        .map(Json)
}
