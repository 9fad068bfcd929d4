//! `GET /_synapse/admin/v1/register`: a nonce for shared-secret registration.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;

use crate::account_management::AccountsPort;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and path.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_synapse/admin/v1/register"],
    auth: Auth::None,
};

/// The response body.
#[derive(Debug, Serialize)]
pub struct Response {
    /// Single use, valid for a minute.
    pub nonce: String,
}

/// Issues a nonce.
pub async fn handler<P: AccountsPort>(
    State(port): State<Arc<P>>,
) -> Result<Json<Response>, MatrixError> {
    let nonce = port.shared_secret_nonce().await?;
    Ok(Json(Response { nonce }))
}
