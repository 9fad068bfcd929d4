//! `POST /_matrix/federation/v1/user/keys/query`: device keys of this server's users.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::{parse_body, DeviceKeysPort};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_matrix/federation/v1/user/keys/query"],
    auth: Auth::XMatrix,
};

/// The request body.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The devices wanted per user (empty: all).
    pub device_keys: BTreeMap<String, Vec<String>>,
}

/// `{device_keys, master_keys?, self_signing_keys?}`.
pub async fn handler<P: DeviceKeysPort>(
    State(port): State<Arc<P>>,
    _origin: Origin,
    body: Bytes,
) -> Result<Json<Value>, MatrixError> {
    let request: Request = parse_body(&body)?;
    Ok(Json(Value::Object(
        port.local_device_keys(request.device_keys).await?,
    )))
}
