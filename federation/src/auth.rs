//! Authentication of incoming server-server requests (spec `server-server-api.md` § "Request
//! Authentication"): the `X-Matrix` header is parsed, its `destination` checked against our
//! name, the origin's key fetched through [`ServerAuthPort`], and the signature over method,
//! URI, origin, destination and body verified. Handlers receive the proven [`Origin`].

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde_json::Value;
use state_res::ids::check_server_name;
use state_res::signing::VerifyingKey;

use crate::server_keys::ServerKeysPort;
use crate::x_matrix::{SignedRequest, XMatrix};
use crate::MatrixError;

/// What request authentication needs from the engine (our name comes from
/// [`ServerKeysPort::server_name`]).
pub trait ServerAuthPort: ServerKeysPort {
    /// `origin`'s key `key_id`, valid now (fetched and cached by the engine); 401
    /// `M_UNAUTHORIZED` when it cannot be had.
    fn origin_key(
        &self,
        origin: &str,
        key_id: &str,
    ) -> impl Future<Output = Result<VerifyingKey, MatrixError>> + Send;
}

/// The server that sent an authenticated request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = MatrixError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, MatrixError> {
        parts.extensions.get::<Origin>().cloned().ok_or_else(|| {
            // A handler asked for an origin on an endpoint declared without authentication.
            MatrixError::internal("Internal error: endpoint is not authenticated")
        })
    }
}

/// 401 `M_UNAUTHORIZED`.
pub fn unauthorized(error: impl Into<String>) -> MatrixError {
    MatrixError::new(StatusCode::UNAUTHORIZED, "M_UNAUTHORIZED", error)
}

/// Checks a request's `Authorization` header (`None` if absent) against the request.
pub async fn authenticate<P: ServerAuthPort>(
    port: &P,
    authorization: Option<&str>,
    method: &str,
    uri: &str,
    content: Option<&Value>,
) -> Result<Origin, MatrixError> {
    let header = authorization.ok_or_else(|| unauthorized("Missing Authorization headers"))?;
    let x_matrix = XMatrix::parse(header)
        .map_err(|e| unauthorized(format!("Invalid X-Matrix header: {e}")))?;
    let own_name = port.server_name();
    if let Some(destination) = &x_matrix.destination {
        if destination != own_name {
            return Err(unauthorized(format!(
                "The request is for {destination}, not for this server"
            )));
        }
    }
    check_server_name(&x_matrix.origin)
        .map_err(|e| unauthorized(format!("Invalid origin {:?}: {e}", x_matrix.origin)))?;
    let key = port.origin_key(&x_matrix.origin, &x_matrix.key).await?;
    let request = SignedRequest {
        method,
        uri,
        origin: &x_matrix.origin,
        destination: own_name,
        content,
    };
    x_matrix
        .verify(&request, &key)
        .map_err(|_| unauthorized("Invalid signature in the X-Matrix header"))?;
    Ok(Origin(x_matrix.origin))
}

#[cfg(test)]
mod tests;
