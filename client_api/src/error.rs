//! The one Matrix error type of the client-server API (spec § "Standard error response"):
//! an HTTP status and a JSON body `{"errcode": "M_…", "error": "…"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

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
    /// Further top-level fields some errors carry (`soft_logout` on `M_UNKNOWN_TOKEN`).
    pub extra: Map<String, Value>,
}

impl MatrixError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, errcode: &'static str, error: impl Into<String>) -> Self {
        Self {
            status,
            errcode,
            error: error.into(),
            extra: Map::new(),
        }
    }

    /// The same error with one more top-level field.
    pub fn with_field(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }

    /// 400 with this code.
    pub fn bad_request(errcode: &'static str, error: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, errcode, error)
    }

    /// 400 `M_NOT_JSON`: the body is not valid JSON.
    pub fn not_json(error: impl Into<String>) -> Self {
        Self::bad_request("M_NOT_JSON", error)
    }

    /// 400 `M_BAD_JSON`: valid JSON of the wrong shape (a missing or mistyped field).
    pub fn bad_json(error: impl Into<String>) -> Self {
        Self::bad_request("M_BAD_JSON", error)
    }

    /// 400 `M_MISSING_PARAM`.
    pub fn missing_param(error: impl Into<String>) -> Self {
        Self::bad_request("M_MISSING_PARAM", error)
    }

    /// 400 `M_INVALID_PARAM`.
    pub fn invalid_param(error: impl Into<String>) -> Self {
        Self::bad_request("M_INVALID_PARAM", error)
    }

    /// 403 `M_FORBIDDEN`.
    pub fn forbidden(error: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "M_FORBIDDEN", error)
    }

    /// 401 `M_MISSING_TOKEN`: the endpoint needs an access token and none was sent.
    pub fn missing_token(error: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "M_MISSING_TOKEN", error)
    }

    /// 401 `M_UNKNOWN_TOKEN` with `soft_logout` (spec § "Soft logout"): `true` when the client
    /// may keep its state and refresh or log in again on the same device.
    pub fn unknown_token(error: impl Into<String>, soft_logout: bool) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "M_UNKNOWN_TOKEN", error)
            .with_field("soft_logout", soft_logout)
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
        let mut body = self.extra;
        body.insert("errcode".to_owned(), Value::from(self.errcode));
        body.insert("error".to_owned(), Value::from(self.error));
        (self.status, Json(Value::Object(body))).into_response()
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
