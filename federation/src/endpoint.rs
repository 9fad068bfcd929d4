//! How an endpoint is declared and registered: each handler file declares its method and its
//! paths once in an [`Endpoint`]; [`mount`] registers every path.
//!
//! X-Matrix authentication joins the declaration (enforced by `mount` before the handler runs)
//! with the first endpoint that needs it.

use axum::handler::Handler;
use axum::routing::{on, MethodFilter};
use axum::Router;

/// An endpoint's declaration.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: MethodFilter,
    /// Every path the endpoint answers on, in axum syntax.
    pub paths: &'static [&'static str],
}

/// Registers `handler` on every path of `endpoint`.
pub fn mount<S, H, T>(router: Router<S>, endpoint: &Endpoint, handler: H) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    H: Handler<T, S>,
    T: 'static,
{
    endpoint.paths.iter().fold(router, |router, path| {
        router.route(path, on(endpoint.method, handler.clone()))
    })
}
