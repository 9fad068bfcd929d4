//! `GET /_matrix/client/v3/keys/changes?from=…&to=…`: the users whose device lists changed
//! between two sync tokens, and those the caller stopped sharing a room with.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;

use super::{KeyChanges, KeysPort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::QueryParams;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/keys/changes",
        "/_matrix/client/v3/keys/changes",
    ],
    auth: Auth::AccessToken,
};

/// The query string.
#[derive(Debug, Deserialize)]
pub struct Params {
    /// The earlier sync token.
    pub from: Option<String>,
    /// The later sync token.
    pub to: Option<String>,
}

/// `{changed, left}`; both tokens are required (400 `M_MISSING_PARAM`).
pub async fn handler<P: KeysPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    QueryParams(params): QueryParams<Params>,
) -> Result<Json<KeyChanges>, MatrixError> {
    let from = params
        .from
        .ok_or_else(|| MatrixError::missing_param("Missing parameter: from"))?;
    let to = params
        .to
        .ok_or_else(|| MatrixError::missing_param("Missing parameter: to"))?;
    Ok(Json(port.key_changes(&user, &from, &to).await?))
}
