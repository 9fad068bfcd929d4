//! `POST /_matrix/key/v2/query`: the keys of several servers through this notary.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::{notary_answer, NotaryPort};
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_matrix/key/v2/query"],
    auth: Auth::None,
};

/// `{"server_keys": {server: {key_id: {"minimum_valid_until_ts": …}}}}`.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The servers, and per key the time it must be valid until.
    pub server_keys: BTreeMap<String, BTreeMap<String, KeyCriteria>>,
}

/// What a queried key must satisfy.
#[derive(Debug, Default, Deserialize)]
pub struct KeyCriteria {
    /// The response must be valid until at least this time (ms); absent means now.
    #[serde(default)]
    pub minimum_valid_until_ts: Option<u64>,
}

/// Answers every named server (all of its keys: the spec lets a notary return more).
pub async fn handler<P: NotaryPort>(
    State(port): State<Arc<P>>,
    body: Bytes,
) -> Result<Json<Value>, MatrixError> {
    let request: Request = serde_json::from_slice(&body)
        .map_err(|e| MatrixError::new(StatusCode::BAD_REQUEST, "M_BAD_JSON", e.to_string()))?;
    let queries: Vec<(String, u64)> = request
        .server_keys
        .into_iter()
        .map(|(server, keys)| {
            let minimum = keys
                .values()
                .filter_map(|k| k.minimum_valid_until_ts)
                .max()
                .unwrap_or_else(|| super::now_plus(std::time::Duration::ZERO));
            (server, minimum)
        })
        .collect();
    notary_answer(port.as_ref(), &queries).await.map(Json)
}
