//! `GET /_matrix/key/v2/server`: this server's published signing keys, self-signed.
//!
//! Also answers the deprecated `GET /_matrix/key/v2/server/{keyId}` with the same document (the
//! spec: servers "should not use this parameter and instead opt to return all keys").

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde_json::Value;

use super::{server_keys_document, ServerKeysPort, KEY_RESPONSE_VALIDITY};
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::GET,
    paths: &["/_matrix/key/v2/server", "/_matrix/key/v2/server/{key_id}"],
    auth: Auth::None,
};

/// Signs a fresh key document valid for [`KEY_RESPONSE_VALIDITY`].
pub async fn handler<P: ServerKeysPort>(
    State(port): State<Arc<P>>,
) -> Result<Json<Value>, MatrixError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let valid_until_ts = u64::try_from((now + KEY_RESPONSE_VALIDITY).as_millis())
        .map_err(|_| MatrixError::internal("clock out of range"))?;
    let document = server_keys_document(port.server_name(), port.signing_key(), valid_until_ts)
        .map_err(|e| {
            tracing::error!(error = %e, "signing the server key document failed");
            MatrixError::internal("Could not sign the key document")
        })?;
    Ok(Json(document))
}
