//! `GET /_matrix/client/v3/profile/{userId}/{keyName}`: one profile field, e.g.
//! `{"displayname": "Alice"}`; `{}` when a stored field is unset (as Synapse), 404 for an
//! unknown user or a field this server does not store.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{Map, Value};

use super::{field_for_read, ProfilePort};
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &[
        "/_matrix/client/r0/profile/{user_id}/{key_name}",
        "/_matrix/client/v3/profile/{user_id}/{key_name}",
    ],
    auth: Auth::None,
};

/// Answers the field.
pub async fn handler<P: ProfilePort>(
    State(port): State<Arc<P>>,
    Path((user_id, key_name)): Path<(String, String)>,
) -> Result<Json<Map<String, Value>>, MatrixError> {
    let field = field_for_read(&key_name)?;
    let profile = port.user_profile(&user_id).await?;
    let mut body = Map::new();
    if let Some(value) = profile.get(field) {
        body.insert(field.key().to_owned(), Value::from(value));
    }
    Ok(Json(body))
}
