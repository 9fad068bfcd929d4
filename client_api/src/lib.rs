//! Concord's client-server API: routes, request and response types, Matrix errors, and the
//! ports (traits) through which handlers reach the engine.
//!
//! This crate never depends on the root `concord` crate: the engine implements the ports and
//! mounts [`router`]. One folder per spec section, one file per operation; each operation file
//! declares its [`Endpoint`] (method, paths, authentication) and a thin handler.

pub mod account_management;
pub mod account_registration;
pub mod api_versions;
pub mod auth;
pub mod capabilities;
pub mod device_management;
pub mod endpoint;
mod error;
pub mod extract;
pub mod server_discovery;
pub mod session_management;
pub mod synapse_admin;
pub mod uia;

use std::sync::Arc;

use axum::Router;

pub use account_management::AccountsPort;
pub use auth::{AccessToken, AccessTokenPort, ClientUser};
pub use capabilities::CapabilitiesPort;
pub use device_management::DevicesPort;
pub use endpoint::{mount, Auth, Endpoint};
pub use error::{unrecognized_endpoint, unrecognized_method, MatrixError};
pub use server_discovery::ClientDiscoveryPort;
pub use session_management::SessionPort;
pub use uia::{UiaChallenge, UiaError};

/// Every port the client-server routes need, implemented by the engine.
pub trait ClientPorts:
    ClientDiscoveryPort + SessionPort + AccountsPort + DevicesPort + CapabilitiesPort
{
}

impl<P> ClientPorts for P where
    P: ClientDiscoveryPort + SessionPort + AccountsPort + DevicesPort + CapabilitiesPort
{
}

/// Every client-server route, served by `backend`.
pub fn router<P: ClientPorts>(backend: Arc<P>) -> Router {
    use account_management as account;
    use account_registration as registration;
    use device_management as devices;
    use session_management as session;

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
    // Sessions.
    let router = mount(
        router,
        &session::get_login_types::ENDPOINT,
        session::get_login_types::handler::<P>,
    );
    let router = mount(
        router,
        &session::login::ENDPOINT,
        session::login::handler::<P>,
    );
    let router = mount(
        router,
        &session::refresh::ENDPOINT,
        session::refresh::handler::<P>,
    );
    let router = mount(
        router,
        &session::logout::ENDPOINT,
        session::logout::handler::<P>,
    );
    let router = mount(
        router,
        &session::logout_all::ENDPOINT,
        session::logout_all::handler::<P>,
    );
    // Registration and account management.
    let router = mount(
        router,
        &registration::register::ENDPOINT,
        registration::register::handler::<P>,
    );
    let router = mount(
        router,
        &registration::check_username_availability::ENDPOINT,
        registration::check_username_availability::handler::<P>,
    );
    let router = mount(
        router,
        &registration::registration_token_validity::ENDPOINT,
        registration::registration_token_validity::handler::<P>,
    );
    let router = mount(router, &account::whoami::ENDPOINT, account::whoami::handler);
    let router = mount(
        router,
        &account::change_password::ENDPOINT,
        account::change_password::handler::<P>,
    );
    let router = mount(
        router,
        &account::deactivate_account::ENDPOINT,
        account::deactivate_account::handler::<P>,
    );
    let router = mount(
        router,
        &synapse_admin::get_register_nonce::ENDPOINT,
        synapse_admin::get_register_nonce::handler::<P>,
    );
    let router = mount(
        router,
        &synapse_admin::register_with_shared_secret::ENDPOINT,
        synapse_admin::register_with_shared_secret::handler::<P>,
    );
    // Devices and capabilities.
    let router = mount(
        router,
        &devices::get_devices::ENDPOINT,
        devices::get_devices::handler::<P>,
    );
    let router = mount(
        router,
        &devices::get_device::ENDPOINT,
        devices::get_device::handler::<P>,
    );
    let router = mount(
        router,
        &devices::update_device::ENDPOINT,
        devices::update_device::handler::<P>,
    );
    let router = mount(
        router,
        &devices::delete_device::ENDPOINT,
        devices::delete_device::handler::<P>,
    );
    let router = mount(
        router,
        &devices::delete_devices::ENDPOINT,
        devices::delete_devices::handler::<P>,
    );
    let router = mount(
        router,
        &capabilities::get_capabilities::ENDPOINT,
        capabilities::get_capabilities::handler::<P>,
    );
    router.with_state(backend)
}
