//! `PUT /_matrix/client/v3/profile/{userId}/{keyName}`: set the caller's display name or avatar
//! URL; the body holds the field under its own key (`{"displayname": "Alice"}`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::{field_for_write, ProfilePort};
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::PUT,
    paths: &[
        "/_matrix/client/r0/profile/{user_id}/{key_name}",
        "/_matrix/client/v3/profile/{user_id}/{key_name}",
    ],
    auth: Auth::AccessToken,
};

/// Sets the field; answers `{}`. A body without the key is 400 `M_MISSING_PARAM`.
pub async fn handler<P: ProfilePort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    Path((user_id, key_name)): Path<(String, String)>,
    JsonBody(mut body): JsonBody<Map<String, Value>>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    let field = field_for_write(&key_name)?;
    let value = body
        .remove(field.key())
        .ok_or_else(|| MatrixError::missing_param(format!("Missing key {:?}", field.key())))?;
    port.set_profile_field(&user, &user_id, field, Some(value))
        .await?;
    Ok(Json(Map::new()))
}
