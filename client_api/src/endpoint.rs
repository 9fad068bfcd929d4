//! How an endpoint is declared and registered: each handler file declares its method, its paths
//! and its authentication once in an [`Endpoint`]; [`mount`] registers every path and, for
//! [`Auth::AccessToken`], resolves the access token before the handler runs, so the handler
//! receives a [`ClientUser`] or is never called.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::handler::Handler;
use axum::response::IntoResponse;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;

use crate::auth::{access_token_of, AccessTokenPort, ClientUser};

/// How an endpoint authenticates its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No authentication.
    None,
    /// A valid access token (spec § "Using access tokens"): a missing token is 401
    /// `M_MISSING_TOKEN`, an unknown or expired one 401 `M_UNKNOWN_TOKEN`.
    AccessToken,
}

/// An endpoint's declaration.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: MethodFilter,
    /// Every path the endpoint answers on (e.g. its `r0` and `v3` forms), in axum syntax.
    pub paths: &'static [&'static str],
    /// How the caller is authenticated before the handler runs.
    pub auth: Auth,
}

/// Registers `handler` on every path of `endpoint`, behind the endpoint's authentication.
pub fn mount<P, H, T>(router: Router<Arc<P>>, endpoint: &Endpoint, handler: H) -> Router<Arc<P>>
where
    P: AccessTokenPort,
    H: Handler<T, Arc<P>>,
    T: 'static,
{
    endpoint.paths.iter().fold(router, |router, path| {
        let route = match endpoint.auth {
            Auth::None => on(endpoint.method, handler.clone()),
            Auth::AccessToken => authenticated(endpoint.method, handler.clone()),
        };
        router.route(path, route)
    })
}

/// `handler` behind access token authentication: the resolved [`ClientUser`] goes into the
/// request's extensions, where the `ClientUser` extractor finds it.
fn authenticated<P, H, T>(method: MethodFilter, handler: H) -> MethodRouter<Arc<P>>
where
    P: AccessTokenPort,
    H: Handler<T, Arc<P>>,
    T: 'static,
{
    on(
        method,
        move |State(port): State<Arc<P>>, request: Request| async move {
            let (mut parts, body) = request.into_parts();
            let user = match access_token_of(&parts) {
                Ok(token) => {
                    let client_ip = parts
                        .extensions
                        .get::<ConnectInfo<SocketAddr>>()
                        .map(|ConnectInfo(address)| address.ip());
                    // Boxed: the handler's wait (a long-poll's, say) then does not hold
                    // room for the token lookup's state.
                    Box::pin(port.authenticate(&token, client_ip)).await
                }
                Err(error) => Err(error),
            };
            match user {
                Ok(user) => {
                    parts.extensions.insert::<ClientUser>(user);
                    handler.call(Request::from_parts(parts, body), port).await
                }
                Err(error) => error.into_response(),
            }
        },
    )
}
