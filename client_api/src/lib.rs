//! Concord's client-server API: routes, request and response types, Matrix errors, and the
//! ports (traits) through which handlers reach the engine.
//!
//! This crate never depends on the root `concord` crate: the engine implements the ports and
//! mounts [`router`]. One folder per spec section, one file per operation; each operation file
//! declares its [`Endpoint`] (method and paths) and a thin handler.

pub mod api_versions;
pub mod endpoint;
mod error;
pub mod server_discovery;

use std::sync::Arc;

use axum::Router;

pub use endpoint::{mount, Endpoint};
pub use error::{unrecognized_endpoint, unrecognized_method, MatrixError};
pub use server_discovery::ClientDiscoveryPort;

/// Every client-server route, served by `backend`.
pub fn router<P: ClientDiscoveryPort>(backend: Arc<P>) -> Router {
    let router = Router::new();
    let router = mount(
        router,
        &api_versions::get_versions::ENDPOINT,
        api_versions::get_versions::handler,
    );
    let router = mount(
        router,
        &server_discovery::get_wellknown::ENDPOINT,
        server_discovery::get_wellknown::handler::<P>,
    );
    router.with_state(backend)
}
