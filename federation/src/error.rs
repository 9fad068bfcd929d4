//! The federation API's error response (spec server-server § "API standards" uses the
//! client-server shape): an HTTP status and `{"errcode": "M_…", "error": "…"}`. Its own small
//! type, so this crate has no edge to `client_api`.

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

    /// 404 `M_NOT_FOUND`.
    pub fn not_found(error: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "M_NOT_FOUND", error)
    }

    /// 500 `M_UNKNOWN`. The message reaches the caller: keep internals out of it.
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
