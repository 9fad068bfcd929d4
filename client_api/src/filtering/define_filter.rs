//! `POST /_matrix/client/v3/user/{userId}/filter`: store a filter, answer its id.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};

use super::FilteringPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/r0/user/{user_id}/filter",
        "/_matrix/client/v3/user/{user_id}/filter",
    ],
    auth: Auth::AccessToken,
};

/// The response body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The new filter's id.
    pub filter_id: String,
}

/// Stores the filter.
pub async fn handler<P: FilteringPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path(user_id): Path<String>,
    JsonBody(filter): JsonBody<Map<String, Value>>,
) -> Result<Json<Response>, MatrixError> {
    let filter_id = port.define_filter(&user, &user_id, filter).await?;
    Ok(Json(Response { filter_id }))
}
