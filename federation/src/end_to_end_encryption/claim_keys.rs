//! `POST /_matrix/federation/v1/user/keys/claim`: one-time (or fallback) keys of this
//! server's users' devices.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::MethodFilter;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{parse_body, DeviceKeysPort, PerDevice};
use crate::auth::Origin;
use crate::endpoint::{Auth, Endpoint};
use crate::MatrixError;

/// Method and paths.
pub const ENDPOINT: Endpoint = Endpoint {
    method: MethodFilter::POST,
    paths: &["/_matrix/federation/v1/user/keys/claim"],
    auth: Auth::XMatrix,
};

/// The request body.
#[derive(Debug, Deserialize)]
pub struct Request {
    /// The algorithm wanted per user and device.
    pub one_time_keys: PerDevice<String>,
}

/// `{one_time_keys}`.
pub async fn handler<P: DeviceKeysPort>(
    State(port): State<Arc<P>>,
    _origin: Origin,
    body: Bytes,
) -> Result<Json<Value>, MatrixError> {
    let request: Request = parse_body(&body)?;
    let one_time_keys = port.claim_local_keys(request.one_time_keys).await?;
    Ok(Json(json!({ "one_time_keys": one_time_keys })))
}
