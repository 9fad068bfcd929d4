//! The one Matrix error type of the client-server API (spec § "Standard error response"):
//! an HTTP status and a JSON body `{"errcode": "M_…", "error": "…"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A Matrix error response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {errcode}: {error}")]
pub struct MatrixError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The error code, e.g. `M_NOT_FOUND`.
    pub errcode: &'static str,
    /// A human-readable message.
    pub error: String,
}

impl MatrixError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, errcode: &'static str, error: impl Into<String>) -> Self {
        Self {
            status,
            errcode,
            error: error.into(),
        }
    }

    /// 404 `M_UNRECOGNIZED`: no such endpoint.
    pub fn unrecognized() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "M_UNRECOGNIZED",
            "Unrecognized request",
        )
    }

    /// 405 `M_UNRECOGNIZED`: the endpoint exists, the method does not.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "M_UNRECOGNIZED",
            "Unrecognized request: method not allowed for this endpoint",
        )
    }

    /// 404 `M_NOT_FOUND`.
    pub fn not_found(error: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "M_NOT_FOUND", error)
    }

    /// 500 `M_UNKNOWN`. The message reaches the client: keep internals out of it.
    pub fn internal(error: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN", error)
    }
}

impl IntoResponse for MatrixError {
    fn into_response(self) -> Response {
        let body = json!({ "errcode": self.errcode, "error": self.error });
        (self.status, Json(body)).into_response()
    }
}

/// Fallback handler for paths no endpoint matches: 404 `M_UNRECOGNIZED`.
pub async fn unrecognized_endpoint() -> MatrixError {
    MatrixError::unrecognized()
}

/// Fallback handler for a known path called with a method it does not take: 405
/// `M_UNRECOGNIZED`.
pub async fn unrecognized_method() -> MatrixError {
    MatrixError::method_not_allowed()
}
