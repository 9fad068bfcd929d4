//! `GET /_matrix/client/v3/user/{userId}/filter/{filterId}`: a stored filter.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::FilteringPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/user/{user_id}/filter/{filter_id}",
        "/_matrix/client/v3/user/{user_id}/filter/{filter_id}",
    ],
    auth: Auth::AccessToken,
};

/// Answers the filter as it was defined.
pub async fn handler<P: FilteringPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((user_id, filter_id)): Path<(String, String)>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    port.get_filter(&user, &user_id, &filter_id).await.map(Json)
}
