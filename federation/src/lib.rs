//! Concord's server-server API: routes, Matrix errors, and the ports (traits) through which
//! handlers reach the engine.
//!
//! This crate never depends on the root `concord` crate nor on `client_api`: the engine
//! implements the ports and mounts [`router`]. One folder per spec section, one file per
//! operation; each operation file declares its [`Endpoint`] (method and paths) and a thin handler.

pub mod auth;
pub mod device_management;
pub mod end_to_end_encryption;
pub mod endpoint;
mod error;
pub mod events;
pub mod membership;
pub mod query;
pub mod server_discovery;
pub mod server_implementation;
pub mod server_keys;
pub mod transactions;
pub mod x_matrix;

use std::sync::Arc;

use axum::Router;

pub use auth::{Origin, ServerAuthPort};
pub use end_to_end_encryption::DeviceKeysPort;
pub use endpoint::{mount, Auth, Endpoint};
pub use error::MatrixError;
pub use events::EventsPort;
pub use membership::MembershipPort;
pub use query::QueryPort;
pub use server_discovery::ServerDiscoveryPort;
pub use server_keys::{NotaryPort, ServerKeysPort};
pub use transactions::TransactionsPort;

/// Every port the server-server routes need, implemented by the engine.
pub trait FederationPorts:
    ServerKeysPort
    + ServerDiscoveryPort
    + ServerAuthPort
    + NotaryPort
    + QueryPort
    + MembershipPort
    + EventsPort
    + TransactionsPort
    + DeviceKeysPort
{
}

impl<P> FederationPorts for P where
    P: ServerKeysPort
        + ServerDiscoveryPort
        + ServerAuthPort
        + NotaryPort
        + QueryPort
        + MembershipPort
        + EventsPort
        + TransactionsPort
        + DeviceKeysPort
{
}

/// Every server-server route, served by `backend`.
pub fn router<P: FederationPorts>(backend: Arc<P>) -> Router {
    let router = Router::new();
    let router = mount(
        router,
        &server_implementation::get_version::ENDPOINT,
        server_implementation::get_version::handler,
    );
    let router = mount(
        router,
        &query::get_profile::ENDPOINT,
        query::get_profile::handler::<P>,
    );
    let router = mount(
        router,
        &query::get_directory::ENDPOINT,
        query::get_directory::handler::<P>,
    );
    let router = mount(
        router,
        &server_keys::query_keys::ENDPOINT,
        server_keys::query_keys::handler::<P>,
    );
    let router = mount(
        router,
        &server_keys::query_server_keys::ENDPOINT,
        server_keys::query_server_keys::handler::<P>,
    );
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
    let router = events::mount_all(router);
    let router = end_to_end_encryption::mount_all(router);
    let router = membership_routes::<P>(router);
    let router = mount(
        router,
        &transactions::send_transaction::ENDPOINT,
        transactions::send_transaction::handler::<P>,
    );
    router.with_state(backend)
}

/// The membership handshakes (`membership`).
fn membership_routes<P: FederationPorts>(router: Router<Arc<P>>) -> Router<Arc<P>> {
    use membership::{invite, make_membership, send_join, send_leave};
    let router = mount(router, &invite::V2, invite::v2::<P>);
    let router = mount(router, &invite::V1, invite::v1::<P>);
    let router = mount(router, &make_membership::JOIN, make_membership::join::<P>);
    let router = mount(router, &make_membership::LEAVE, make_membership::leave::<P>);
    let router = mount(router, &make_membership::KNOCK, make_membership::knock::<P>);
    let router = mount(router, &send_join::V2, send_join::v2::<P>);
    let router = mount(router, &send_join::V1, send_join::v1::<P>);
    let router = mount(router, &send_join::KNOCK, send_join::knock::<P>);
    let router = mount(router, &send_leave::V2, send_leave::v2::<P>);
    mount(router, &send_leave::V1, send_leave::v1::<P>)
}
