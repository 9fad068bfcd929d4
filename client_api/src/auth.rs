//! Client authentication (spec § "Using access tokens"): the access token of a request and the
//! [`ClientUser`] it resolves to.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;

use axum::extract::{FromRequestParts, Query};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::Serialize;

use crate::MatrixError;

/// Resolves access tokens; implemented by the engine.
pub trait AccessTokenPort: Send + Sync + 'static {
    /// The user and device a raw access token belongs to, or 401 `M_UNKNOWN_TOKEN` (with
    /// `soft_logout: true` for an expired token that can be refreshed). `client_ip` is the
    /// peer's address, when known (recorded as the device's `last_seen_ip`).
    fn authenticate(
        &self,
        access_token: &str,
        client_ip: Option<IpAddr>,
    ) -> impl Future<Output = Result<ClientUser, MatrixError>> + Send;
}

/// A raw access token. Its `Debug` hides the value, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(pub String);

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// The authenticated caller of an endpoint declared with [`crate::endpoint::Auth::AccessToken`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientUser {
    /// The user's full id.
    pub user_id: String,
    /// The device the token belongs to (`None` for tokens without one).
    pub device_id: Option<String>,
    /// The token the request carried (to keep it when logging out other sessions).
    #[serde(skip)]
    pub access_token: AccessToken,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientUser {
    type Rejection = MatrixError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, MatrixError> {
        parts
            .extensions
            .get::<ClientUser>()
            .cloned()
            .ok_or_else(|| {
                // A handler asked for a user on an endpoint declared without authentication.
                MatrixError::internal("Internal error: endpoint is not authenticated")
            })
    }
}

/// The access token of a request: the `Authorization: Bearer` header, or the deprecated
/// `access_token` query parameter. Both at once, several headers or another scheme are 401
/// `M_MISSING_TOKEN`, as in Synapse.
pub fn access_token_of(parts: &Parts) -> Result<String, MatrixError> {
    let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
    let header = headers.next();
    let from_query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|Query(mut query)| query.remove("access_token"));
    let Some(header) = header else {
        return from_query.ok_or_else(|| MatrixError::missing_token("Missing access token."));
    };
    if from_query.is_some() {
        return Err(MatrixError::missing_token(
            "Mixing Authorization headers and access_token query parameters.",
        ));
    }
    if headers.next().is_some() {
        return Err(MatrixError::missing_token(
            "Too many Authorization headers.",
        ));
    }
    header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .filter(|token| !token.is_empty() && !token.contains(' '))
        .map(str::to_owned)
        .ok_or_else(|| MatrixError::missing_token("Invalid Authorization header."))
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn token(uri: &str, headers: &[&str]) -> Result<String, &'static str> {
        let mut request = Request::builder().uri(uri);
        for value in headers {
            request = request.header(AUTHORIZATION, *value);
        }
        let (parts, ()) = request.body(()).map_err(|_| "request")?.into_parts();
        access_token_of(&parts).map_err(|e| e.errcode)
    }

    #[test]
    fn the_bearer_header_and_the_query_parameter_carry_the_token() {
        assert_eq!(token("/x", &["Bearer abc"]), Ok("abc".to_owned()));
        assert_eq!(token("/x?access_token=abc", &[]), Ok("abc".to_owned()));
        assert_eq!(
            token("/x?a=1&access_token=a%2Bb", &[]),
            Ok("a+b".to_owned())
        );
    }

    #[test]
    fn missing_mixed_or_malformed_tokens_are_m_missing_token() {
        for (uri, headers) in [
            ("/x", &[][..]),
            ("/x?access_token=a", &["Bearer b"][..]),
            ("/x", &["Bearer a", "Bearer b"][..]),
            ("/x", &["Basic abc"][..]),
            ("/x", &["Bearer "][..]),
            ("/x", &["Bearer a b"][..]),
        ] {
            assert_eq!(
                token(uri, headers),
                Err("M_MISSING_TOKEN"),
                "{uri} {headers:?}"
            );
        }
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let user = ClientUser {
            user_id: "@a:b".to_owned(),
            device_id: None,
            access_token: AccessToken("secret-token".to_owned()),
        };
        assert!(!format!("{user:?}").contains("secret-token"));
    }
}
