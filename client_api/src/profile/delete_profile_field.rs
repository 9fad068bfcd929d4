//! `DELETE /_matrix/client/v3/profile/{userId}/{keyName}`: remove the caller's display name or
//! avatar URL (200 also when it was not set).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::{field_for_write, ProfilePort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::DELETE,
    paths: &[
        "/_matrix/client/r0/profile/{user_id}/{key_name}",
        "/_matrix/client/v3/profile/{user_id}/{key_name}",
    ],
    auth: Auth::AccessToken,
};

/// Removes the field; answers `{}`.
pub async fn handler<P: ProfilePort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((user_id, key_name)): Path<(String, String)>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    let field = field_for_write(&key_name)?;
    port.set_profile_field(&user, &user_id, field, None).await?;
    Ok(Json(Map::new()))
}
