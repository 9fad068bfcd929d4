//! `GET /_matrix/federation/v1/query/profile?user_id=…[&field=…]`: a local user's profile.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::QueryPort;
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/federation/v1/query/profile"],
    auth: Auth::XMatrix,
};

/// The query string.
#[derive(Debug, Deserialize)]
pub struct Params {
    /// The user.
    pub user_id: Option<String>,
    /// `displayname` or `avatar_url`; absent for the whole profile.
    pub field: Option<String>,
}

/// The profile, or only `field` of it (404 if the field is not set, as the spec says).
pub async fn handler<P: QueryPort>(
    State(port): State<Arc<P>>,
    _origin: Origin,
    Query(params): Query<Params>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    let user_id = params.user_id.ok_or_else(|| {
        MatrixError::new(
            StatusCode::BAD_REQUEST,
            "M_MISSING_PARAM",
            "Missing parameter: user_id",
        )
    })?;
    let mut profile = port.local_profile(&user_id).await?;
    match params.field.as_deref() {
        None => Ok(Json(profile)),
        Some(field @ ("displayname" | "avatar_url")) => {
            let value = profile
                .remove(field)
                .ok_or_else(|| MatrixError::not_found("The profile field is not set"))?;
            Ok(Json(Map::from_iter([(field.to_owned(), value)])))
        }
        Some(other) => Err(MatrixError::new(
            StatusCode::BAD_REQUEST,
            "M_INVALID_PARAM",
            format!("Unknown profile field {other:?}"),
        )),
    }
}
