//! `GET /_matrix/client/v3/register/available`: is a user name valid and free?

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::account_management::AccountsPort;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/register/available",
        "/_matrix/client/v3/register/available",
    ],
    auth: Auth::None,
};

/// The query string.
#[derive(Debug, Deserialize)]
pub struct Query {
    /// The user name to check.
    pub username: Option<String>,
}

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// Always `true` (an unavailable name is an error).
    pub available: bool,
}

/// Checks the name.
pub async fn handler<P: AccountsPort>(
    State(port): State<Arc<P>>,
    QueryParams(query): QueryParams<Query>,
) -> Result<Json<Response>, MatrixError> {
    let username = query
        .username
        .ok_or_else(|| MatrixError::missing_param("Missing string query param: username"))?;
    port.check_username_availability(&username).await?;
    Ok(Json(Response { available: true }))
}
