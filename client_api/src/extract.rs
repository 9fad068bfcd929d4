//! Request extractors whose rejections are Matrix errors: a body that is not JSON is 400
//! `M_NOT_JSON`, JSON of the wrong shape 400 `M_BAD_JSON`, never a plain-text 4xx or a 500.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::MatrixError;

/// A JSON object request body deserialized into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// Like [`JsonBody`], but an empty body reads as `T::default()` (Synapse accepts `DELETE`
/// requests without a body).
#[derive(Debug)]
pub struct JsonBodyOrEmpty<T>(pub T);

/// The client's IP address (the peer of the connection), when the server recorded it.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientIp(peer.map(|info| info.0.ip())))
    }
}

/// Query parameters deserialized into `T`; a malformed query is 400 `M_INVALID_PARAM`.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = MatrixError;

    async fn from_request(request: Request, state: &S) -> Result<Self, MatrixError> {
        let bytes = body_bytes(request, state).await?;
        parse_json_object(&bytes).map(JsonBody)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for JsonBodyOrEmpty<T> {
    type Rejection = MatrixError;

    async fn from_request(request: Request, state: &S) -> Result<Self, MatrixError> {
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBodyOrEmpty(T::default()));
        }
        parse_json_object(&bytes).map(JsonBodyOrEmpty)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for QueryParams<T> {
    type Rejection = MatrixError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, MatrixError> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(value)| QueryParams(value))
            .map_err(|e| MatrixError::invalid_param(e.body_text()))
    }
}

async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, MatrixError> {
    Bytes::from_request(request, state).await.map_err(|e| {
        let errcode = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "M_TOO_LARGE"
        } else {
            "M_UNKNOWN"
        };
        MatrixError::new(e.status(), errcode, e.body_text())
    })
}

/// Parses a request body: a JSON object deserialized into `T`.
pub fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, MatrixError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| MatrixError::not_json(format!("Content not JSON: {e}")))?;
    if !value.is_object() {
        return Err(MatrixError::not_json("Content must be a JSON object."));
    }
    serde_json::from_value(value).map_err(|e| MatrixError::bad_json(e.to_string()))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[allow(dead_code)]
        name: String,
    }

    fn errcode(text: &str) -> Option<&'static str> {
        parse_json_object::<Body>(text.as_bytes())
            .err()
            .map(|e| e.errcode)
    }

    #[test]
    fn bodies_are_classified_as_not_json_or_bad_json() {
        assert_eq!(errcode(r#"{"name": "a"}"#), None);
        assert_eq!(errcode("{"), Some("M_NOT_JSON"));
        assert_eq!(errcode(""), Some("M_NOT_JSON"));
        assert_eq!(errcode("[1]"), Some("M_NOT_JSON"));
        assert_eq!(errcode("{}"), Some("M_BAD_JSON"));
        assert_eq!(errcode(r#"{"name": 1}"#), Some("M_BAD_JSON"));
    }
}
