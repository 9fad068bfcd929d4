//! `GET /_matrix/client/v3/user/{userId}/account_data/{type}`: read global account data.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::ClientConfigPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/user/{user_id}/account_data/{data_type}",
        "/_matrix/client/v3/user/{user_id}/account_data/{data_type}",
    ],
    auth: Auth::AccessToken,
};

/// Answers the content or 404.
pub async fn handler<P: ClientConfigPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((user_id, data_type)): Path<(String, String)>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.get_account_data(&user, &user_id, None, &data_type)
        .await
        .map(Json)
}
