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
pub mod client_config;
pub mod client_event;
pub mod device_management;
pub mod end_to_end_encryption;
pub mod endpoint;
mod error;
pub mod extract;
pub mod filtering;
pub mod presence;
pub mod profile;
pub mod read_markers;
pub mod receipts;
pub mod room_creation;
pub mod room_directory;
pub mod room_membership;
pub mod room_participation;
pub mod room_tagging;
pub mod room_upgrades;
pub mod server_discovery;
pub mod session_management;
pub mod synapse_admin;
pub mod sync;
pub mod to_device;
pub mod typing;
pub mod uia;

use std::sync::Arc;

use axum::Router;

pub use account_management::AccountsPort;
pub use auth::{AccessToken, AccessTokenPort, ClientUser};
pub use capabilities::CapabilitiesPort;
pub use client_config::ClientConfigPort;
pub use client_event::{ClientEvent, EventContent};
pub use device_management::DevicesPort;
pub use end_to_end_encryption::KeysPort;
pub use endpoint::{mount, Auth, Endpoint};
pub use error::{unrecognized_endpoint, unrecognized_method, MatrixError};
pub use filtering::FilteringPort;
pub use presence::PresencePort;
pub use profile::ProfilePort;
pub use read_markers::ReadMarkersPort;
pub use receipts::ReceiptsPort;
pub use room_creation::RoomCreationPort;
pub use room_directory::RoomDirectoryPort;
pub use room_membership::RoomMembershipPort;
pub use room_participation::RoomParticipationPort;
pub use room_tagging::RoomTaggingPort;
pub use room_upgrades::RoomUpgradePort;
pub use server_discovery::ClientDiscoveryPort;
pub use session_management::SessionPort;
pub use sync::SyncPort;
pub use to_device::ToDevicePort;
pub use typing::TypingPort;
pub use uia::{UiaChallenge, UiaError};

/// Every port the client-server routes need, implemented by the engine.
pub trait ClientPorts:
    ClientDiscoveryPort
    + SessionPort
    + AccountsPort
    + DevicesPort
    + CapabilitiesPort
    + RoomCreationPort
    + RoomMembershipPort
    + RoomParticipationPort
    + SyncPort
    + FilteringPort
    + ClientConfigPort
    + RoomTaggingPort
    + ProfilePort
    + RoomDirectoryPort
    + RoomUpgradePort
    + TypingPort
    + ReceiptsPort
    + ReadMarkersPort
    + PresencePort
    + KeysPort
    + ToDevicePort
{
}

impl<P> ClientPorts for P where
    P: ClientDiscoveryPort
        + SessionPort
        + AccountsPort
        + DevicesPort
        + CapabilitiesPort
        + RoomCreationPort
        + RoomMembershipPort
        + RoomParticipationPort
        + SyncPort
        + FilteringPort
        + ClientConfigPort
        + RoomTaggingPort
        + ProfilePort
        + RoomDirectoryPort
        + RoomUpgradePort
        + TypingPort
        + ReceiptsPort
        + ReadMarkersPort
        + PresencePort
        + KeysPort
        + ToDevicePort
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
    let router = rooms_router(router);
    let router = sync_router(router);
    let router = directory_router(router);
    let router = ephemeral_router(router);
    let router = end_to_end_encryption::mount_all(router);
    let router = mount(
        router,
        &to_device::send_to_device::ENDPOINT,
        to_device::send_to_device::handler::<P>,
    );
    router.with_state(backend)
}

/// The room routes: creation, membership, and participation (sending and reading events).
fn rooms_router<P: ClientPorts>(router: Router<Arc<P>>) -> Router<Arc<P>> {
    use room_creation as creation;
    use room_membership as membership;
    use room_participation as participation;

    let router = mount(
        router,
        &creation::create_room::ENDPOINT,
        creation::create_room::handler::<P>,
    );
    let router = mount(
        router,
        &membership::join_room_by_id::ENDPOINT,
        membership::join_room_by_id::handler::<P>,
    );
    let router = mount(
        router,
        &membership::join_room::ENDPOINT,
        membership::join_room::handler::<P>,
    );
    let router = mount(
        router,
        &membership::leave_room::ENDPOINT,
        membership::leave_room::handler::<P>,
    );
    let router = mount(
        router,
        &membership::invite_user::ENDPOINT,
        membership::invite_user::handler::<P>,
    );
    let router = mount(
        router,
        &membership::kick::ENDPOINT,
        membership::kick::handler::<P>,
    );
    let router = mount(
        router,
        &membership::ban::ENDPOINT,
        membership::ban::handler::<P>,
    );
    let router = mount(
        router,
        &membership::unban::ENDPOINT,
        membership::unban::handler::<P>,
    );
    let router = mount(
        router,
        &membership::knock_room::ENDPOINT,
        membership::knock_room::handler::<P>,
    );
    let router = mount(
        router,
        &room_upgrades::upgrade_room::ENDPOINT,
        room_upgrades::upgrade_room::handler::<P>,
    );
    let router = mount(
        router,
        &membership::forget_room::ENDPOINT,
        membership::forget_room::handler::<P>,
    );
    let router = mount(
        router,
        &membership::get_joined_rooms::ENDPOINT,
        membership::get_joined_rooms::handler::<P>,
    );
    let router = mount(
        router,
        &participation::send_message::ENDPOINT,
        participation::send_message::handler::<P>,
    );
    let router = mount(
        router,
        &participation::redact_event::ENDPOINT,
        participation::redact_event::handler::<P>,
    );
    let router = mount(
        router,
        &participation::get_room_events::ENDPOINT,
        participation::get_room_events::handler::<P>,
    );
    let router = mount(
        router,
        &participation::get_event_context::ENDPOINT,
        participation::get_event_context::handler::<P>,
    );
    let router = mount(
        router,
        &participation::get_members_by_room::ENDPOINT,
        participation::get_members_by_room::handler::<P>,
    );
    let router = mount(
        router,
        &participation::set_room_state_with_key::ENDPOINT,
        participation::set_room_state_with_key::handler::<P>,
    );
    let router = mount(
        router,
        &participation::get_room_state::ENDPOINT,
        participation::get_room_state::handler::<P>,
    );
    let router = mount(
        router,
        &participation::get_room_state_with_key::ENDPOINT,
        participation::get_room_state_with_key::handler::<P>,
    );
    let router = mount(
        router,
        &participation::get_one_room_event::ENDPOINT,
        participation::get_one_room_event::handler::<P>,
    );
    mount(
        router,
        &participation::get_joined_members_by_room::ENDPOINT,
        participation::get_joined_members_by_room::handler::<P>,
    )
}

/// Syncing, filters, account data and room tags.
fn sync_router<P: ClientPorts>(router: Router<Arc<P>>) -> Router<Arc<P>> {
    let router = mount(
        router,
        &sync::sync_events::ENDPOINT,
        sync::sync_events::handler::<P>,
    );
    let router = mount(
        router,
        &filtering::define_filter::ENDPOINT,
        filtering::define_filter::handler::<P>,
    );
    let router = mount(
        router,
        &filtering::get_filter::ENDPOINT,
        filtering::get_filter::handler::<P>,
    );
    let router = mount(
        router,
        &client_config::set_account_data::ENDPOINT,
        client_config::set_account_data::handler::<P>,
    );
    let router = mount(
        router,
        &client_config::get_account_data::ENDPOINT,
        client_config::get_account_data::handler::<P>,
    );
    let router = mount(
        router,
        &client_config::set_room_account_data::ENDPOINT,
        client_config::set_room_account_data::handler::<P>,
    );
    let router = mount(
        router,
        &client_config::get_room_account_data::ENDPOINT,
        client_config::get_room_account_data::handler::<P>,
    );
    let router = mount(
        router,
        &room_tagging::get_room_tags::ENDPOINT,
        room_tagging::get_room_tags::handler::<P>,
    );
    let router = mount(
        router,
        &room_tagging::set_room_tag::ENDPOINT,
        room_tagging::set_room_tag::handler::<P>,
    );
    mount(
        router,
        &room_tagging::delete_room_tag::ENDPOINT,
        room_tagging::delete_room_tag::handler::<P>,
    )
}

/// Profiles and the room directory: aliases, directory visibility, published rooms.
fn directory_router<P: ClientPorts>(router: Router<Arc<P>>) -> Router<Arc<P>> {
    use room_directory as directory;

    let router = mount(
        router,
        &profile::get_user_profile::ENDPOINT,
        profile::get_user_profile::handler::<P>,
    );
    let router = mount(
        router,
        &profile::get_profile_field::ENDPOINT,
        profile::get_profile_field::handler::<P>,
    );
    let router = mount(
        router,
        &profile::set_profile_field::ENDPOINT,
        profile::set_profile_field::handler::<P>,
    );
    let router = mount(
        router,
        &profile::delete_profile_field::ENDPOINT,
        profile::delete_profile_field::handler::<P>,
    );
    let router = mount(
        router,
        &directory::set_room_alias::ENDPOINT,
        directory::set_room_alias::handler::<P>,
    );
    let router = mount(
        router,
        &directory::get_room_id_by_alias::ENDPOINT,
        directory::get_room_id_by_alias::handler::<P>,
    );
    let router = mount(
        router,
        &directory::delete_room_alias::ENDPOINT,
        directory::delete_room_alias::handler::<P>,
    );
    let router = mount(
        router,
        &directory::get_local_aliases::ENDPOINT,
        directory::get_local_aliases::handler::<P>,
    );
    let router = mount(
        router,
        &directory::get_room_visibility::ENDPOINT,
        directory::get_room_visibility::handler::<P>,
    );
    let router = mount(
        router,
        &directory::set_room_visibility::ENDPOINT,
        directory::set_room_visibility::handler::<P>,
    );
    let router = mount(
        router,
        &directory::get_public_rooms::ENDPOINT,
        directory::get_public_rooms::handler::<P>,
    );
    mount(
        router,
        &directory::query_public_rooms::ENDPOINT,
        directory::query_public_rooms::handler::<P>,
    )
}

/// Typing notifications, receipts, read markers and presence.
fn ephemeral_router<P: ClientPorts>(router: Router<Arc<P>>) -> Router<Arc<P>> {
    let router = mount(
        router,
        &typing::set_typing::ENDPOINT,
        typing::set_typing::handler::<P>,
    );
    let router = mount(
        router,
        &receipts::post_receipt::ENDPOINT,
        receipts::post_receipt::handler::<P>,
    );
    let router = mount(
        router,
        &read_markers::set_read_marker::ENDPOINT,
        read_markers::set_read_marker::handler::<P>,
    );
    let router = mount(
        router,
        &presence::set_presence::ENDPOINT,
        presence::set_presence::handler::<P>,
    );
    mount(
        router,
        &presence::get_presence::ENDPOINT,
        presence::get_presence::handler::<P>,
    )
}
