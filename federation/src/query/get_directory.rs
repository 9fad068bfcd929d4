//! `GET /_matrix/federation/v1/query/directory?room_alias=…`: a local alias's room.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::QueryPort;
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/query/directory"],
    auth: Auth::XMatrix,
};

/// The query string.
#[derive(Debug, Deserialize)]
pub struct Params {
    /// The alias.
    pub room_alias: Option<String>,
}

/// `{"room_id": …, "servers": […]}`.
pub async fn handler<P: QueryPort>(
    State(port): State<Arc<P>>,
    _origin: Origin,
    Query(params): Query<Params>,
) -> Result<Json<Value>, MatrixError> {
    let alias = params.room_alias.ok_or_else(|| {
        MatrixError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing parameter: room_alias",
        )
    })?;
    let (room_id, servers) = port.local_alias(&alias).await?;
    Ok(Json(json!({"room_id": room_id, "servers": servers})))
}
