//! `POST /_matrix/client/v3/keys/signatures/upload`: signatures of the caller's own devices
//! and master key, and of other users' master keys by the caller's user-signing key.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::{json, Map, Value};

use super::KeysPort;
use crate::auth::ClientUser;
use crate::endpoint::{Auth, Endpoint};
use crate::extract::JsonBody;
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &[
        "/_matrix/client/v3/keys/signatures/upload",
        "/_matrix/client/unstable/keys/signatures/upload",
    ],
    auth: Auth::AccessToken,
};

/// Stores the valid signatures; `{failures: {user: {key_id: {errcode, error}}}}` for the rest.
pub async fn handler<P: KeysPort>(
    State(port): State<Arc<P>>,
    user: ClientUser,
    JsonBody(request): JsonBody<Map<String, Value>>,
) -> Result<Json<Value>, MatrixError> {
    let failures = port.upload_signatures(&user, request).await?;
    Ok(Json(json!({ "failures": failures })))
}
