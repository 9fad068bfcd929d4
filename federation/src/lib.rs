//! Concord's server-server API: routes, Matrix errors, and the ports (traits) through which
//! handlers reach the engine.
//!
//! This crate never depends on the root `concord` crate nor on `client_api`: the engine
//! implements the ports and mounts [`router`]. One folder per spec section, one file per
//! operation; each operation file declares its [`Endpoint`] (method and paths) and a thin handler.

pub mod endpoint;
mod error;
pub mod server_discovery;
pub mod server_keys;
pub mod x_matrix;

use std::sync::Arc;

use axum::Router;

pub use endpoint::{mount, Endpoint};
pub use error::MatrixError;
pub use server_discovery::ServerDiscoveryPort;
pub use server_keys::ServerKeysPort;

/// Every server-server route (key publication and discovery), served by `backend`.
pub fn router<P: ServerKeysPort + ServerDiscoveryPort>(backend: Arc<P>) -> Router {
    let router = Router::new();
    let router = mount(
        router,
        &server_keys::get_server_key::ENDPOINT,
        server_keys::get_server_key::handler::<P>,
    );
    let router = mount(
        router,
        &server_discovery::get_well_known::ENDPOINT,
        server_discovery::get_well_known::handler::<P>,
    );
    router.with_state(backend)
}
