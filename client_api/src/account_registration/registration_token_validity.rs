//! `GET /_matrix/client/v1/register/m.login.registration_token/validity`.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::account_management::AccountsPort;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::MatrixError;

/// Method and path.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/client/v1/register/m.login.registration_token/validity"],
    auth: Auth::None,
};

/// The query string.
#[derive(Debug, Deserialize)]
pub struct Query {
    /// The token to check.
    pub token: Option<String>,
}

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// Whether the token can be used now.
    pub valid: bool,
}

/// Checks the token.
pub async fn handler<P: AccountsPort>(
    State(port): State<Arc<P>>,
    QueryParams(query): QueryParams<Query>,
) -> Result<Json<Response>, MatrixError> {
    let token = query
        .token
        .ok_or_else(|| MatrixError::missing_param("Missing string query param: token"))?;
    let valid = port.registration_token_validity(&token).await?;
    Ok(Json(Response { valid }))
}
