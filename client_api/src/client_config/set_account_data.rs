//! `PUT /_matrix/client/v3/user/{userId}/account_data/{type}`: set global account data.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Map, Value};

use super::ClientConfigPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/user/{user_id}/account_data/{data_type}",
        "/_matrix/client/v3/user/{user_id}/account_data/{data_type}",
    ],
    auth: Auth::AccessToken,
};

/// Stores the content; answers `{}`.
pub async fn handler<P: ClientConfigPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((user_id, data_type)): Path<(String, String)>,
    JsonBody(content): JsonBody<Map<String, Value>>,
) -> Result<Json<Value>, MatrixError> {
    port.set_account_data(&user, &user_id, None, &data_type, content)
        .await?;
    Ok(Json(json!({})))
}
