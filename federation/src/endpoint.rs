//! How an endpoint is declared and registered: each handler file declares its method, its paths
//! and its authentication once in an [`Endpoint`]; [`mount`] registers every path and, for
//! [`Auth::XMatrix`], verifies the request's signature before the handler runs, so the handler
//! receives an [`Origin`] or is never called.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::header::AUTHORIZATION;
use axum::response::IntoResponse;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use serde_json::Value;

use crate::auth::{authenticate, Origin, ServerAuthPort};
use crate::MatrixError;

/// The largest request body accepted: a transaction of 50 PDUs of 64 KiB and 100 EDUs.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// How an endpoint authenticates its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No authentication (keys, discovery, version).
    None,
    /// A valid `X-Matrix` signature by the origin server.
    XMatrix,
}

/// An endpoint's declaration.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: MethodFilter,
    /// Every path the endpoint answers on, in axum syntax.
    pub paths: &'static [&'static str],
    /// How the caller is authenticated before the handler runs.
    pub auth: Auth,
}

/// Registers `handler` on every path of `endpoint`, behind the endpoint's authentication.
pub fn mount<P, H, T>(router: Router<Arc<P>>, endpoint: &Endpoint, handler: H) -> Router<Arc<P>>
where
    P: ServerAuthPort,
    H: Handler<T, Arc<P>>,
    T: 'static,
{
    endpoint.paths.iter().fold(router, |router, path| {
        let route = match endpoint.auth {
            Auth::None => on(endpoint.method, handler.clone()),
            Auth::XMatrix => authenticated(endpoint.method, handler.clone()),
        };
        router.route(path, route)
    })
}

/// `handler` behind X-Matrix authentication: the body is read (it is signed), verified with
/// the rest of the request, and handed on unchanged; the [`Origin`] goes into the extensions.
fn authenticated<P, H, T>(method: MethodFilter, handler: H) -> MethodRouter<Arc<P>>
where
    P: ServerAuthPort,
    H: Handler<T, Arc<P>>,
    T: 'static,
{
    on(
        method,
        move |State(port): State<Arc<P>>, request: Request| async move {
            let (mut parts, body) = request.into_parts();
            let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
                Ok(bytes) => bytes,
                Err(_) => {
                    return MatrixError::new(
                        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                        "M_TOO_LARGE",
                        "Request body too large",
                    )
                    .into_response()
                }
            };
            let content = if bytes.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                match serde_json::from_slice::<Value>(&bytes) {
                    Ok(value) => Some(value),
                    Err(e) => {
                        return MatrixError::new(
                            axum::http::StatusCode::BAD_REQUEST,
                            "M_NOT_JSON",
                            format!("Content not JSON: {e}"),
                        )
                        .into_response()
                    }
                }
            };
            let authorization = parts
                .headers
                .get(AUTHORIZATION)
                .and_then(|value| value.to_str().ok());
            let uri = parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path(), |p| p.as_str());
            let origin: Result<Origin, MatrixError> = authenticate(
                port.as_ref(),
                authorization,
                parts.method.as_str(),
                uri,
                content.as_ref(),
            )
            .await;
            match origin {
                Ok(origin) => {
                    parts.extensions.insert(origin);
                    let request = Request::from_parts(parts, Body::from(bytes));
                    handler.call(request, port).await
                }
                Err(error) => error.into_response(),
            }
        },
    )
}
