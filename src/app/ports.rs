//! The engine's implementations of the `client_api` and `federation` ports: each method hands
//! over to the service that owns the operation.

use std::net::IpAddr;

use client_api::account_management::change_password;
use client_api::account_registration::register;
use client_api::device_management::Device;
use client_api::session_management::{get_login_types, login, refresh};
use client_api::synapse_admin::register_with_shared_secret;
use client_api::uia::AuthData;
use client_api::{
    AccessTokenPort, AccountsPort, CapabilitiesPort, ClientDiscoveryPort, ClientUser, DevicesPort,
    MatrixError, SessionPort, UiaError,
};
use federation::{ServerDiscoveryPort, ServerKeysPort};
use serde_json::{json, Map, Value};
use state_res::room_version::RoomVersion;
use state_res::signing::KeyPair;

use super::AppState;

mod backfill;
mod directory;
mod ephemeral;
mod events;
mod keys;
mod membership;
mod rooms;
mod server_server;
mod sync;
mod to_device;
mod transactions;

/// The room version new rooms get, advertised in `m.room_versions` (Synapse's default).
pub const DEFAULT_ROOM_VERSION: &str = crate::services::rooms::DEFAULT_ROOM_VERSION.id;

impl ClientDiscoveryPort for AppState {
    fn homeserver_base_url(&self) -> Option<String> {
        self.config.well_known.client.clone()
    }
}

impl AccessTokenPort for AppState {
    async fn authenticate(
        &self,
        access_token: &str,
        client_ip: Option<IpAddr>,
    ) -> Result<ClientUser, MatrixError> {
        self.sessions.authenticate(access_token, client_ip).await
    }
}

impl SessionPort for AppState {
    fn login_types(&self) -> Vec<get_login_types::LoginFlow> {
        self.sessions.login_types()
    }

    async fn login(
        &self,
        request: login::Request,
        client_ip: Option<IpAddr>,
    ) -> Result<login::Response, MatrixError> {
        let response = self.sessions.login(request, client_ip).await?;
        self.device_keys
            .devices_changed(&response.user_id, std::slice::from_ref(&response.device_id))
            .await;
        Ok(response)
    }

    async fn refresh(&self, refresh_token: String) -> Result<refresh::Response, MatrixError> {
        self.sessions.refresh(&refresh_token).await
    }

    async fn logout(&self, user: &ClientUser) -> Result<(), MatrixError> {
        self.sessions.logout(user).await?;
        let devices: Vec<String> = user.device_id.iter().cloned().collect();
        self.device_keys
            .devices_changed(&user.user_id, &devices)
            .await;
        Ok(())
    }

    async fn logout_all(&self, user: &ClientUser) -> Result<(), MatrixError> {
        let devices = self.device_ids(&user.user_id).await?;
        self.sessions.logout_all(user).await?;
        self.device_keys
            .devices_changed(&user.user_id, &devices)
            .await;
        Ok(())
    }
}

impl AccountsPort for AppState {
    async fn register(
        &self,
        kind: Option<String>,
        request: register::Request,
    ) -> Result<register::Response, UiaError> {
        let response = self.accounts.register(kind, request).await?;
        if let Some(device_id) = &response.device_id {
            self.device_keys
                .devices_changed(&response.user_id, std::slice::from_ref(device_id))
                .await;
        }
        Ok(response)
    }

    async fn check_username_availability(&self, username: &str) -> Result<(), MatrixError> {
        self.accounts.check_username_availability(username).await
    }

    async fn registration_token_validity(&self, token: &str) -> Result<bool, MatrixError> {
        self.accounts.registration_token_validity(token)
    }

    async fn change_password(
        &self,
        user: &ClientUser,
        request: change_password::Request,
    ) -> Result<(), UiaError> {
        let before = self.device_ids(&user.user_id).await?;
        self.accounts.change_password(user, request).await?;
        // `logout_devices` deleted the other devices.
        let after = self.device_ids(&user.user_id).await?;
        let deleted: Vec<String> = before.into_iter().filter(|d| !after.contains(d)).collect();
        self.device_keys
            .devices_changed(&user.user_id, &deleted)
            .await;
        Ok(())
    }

    async fn deactivate_account(
        &self,
        user: &ClientUser,
        auth: Option<AuthData>,
    ) -> Result<(), UiaError> {
        let devices = self.device_ids(&user.user_id).await?;
        self.accounts.deactivate_account(user, auth).await?;
        self.device_keys
            .devices_changed(&user.user_id, &devices)
            .await;
        Ok(())
    }

    async fn shared_secret_nonce(&self) -> Result<String, MatrixError> {
        self.accounts.shared_secret_nonce()
    }

    async fn register_with_shared_secret(
        &self,
        request: register_with_shared_secret::Request,
    ) -> Result<register::Response, MatrixError> {
        self.accounts.register_with_shared_secret(request).await
    }
}

impl DevicesPort for AppState {
    async fn devices(&self, user: &ClientUser) -> Result<Vec<Device>, MatrixError> {
        self.devices.devices(user).await
    }

    async fn device(&self, user: &ClientUser, device_id: &str) -> Result<Device, MatrixError> {
        self.devices.device(user, device_id).await
    }

    async fn update_device(
        &self,
        user: &ClientUser,
        device_id: &str,
        display_name: Option<String>,
    ) -> Result<(), MatrixError> {
        let renamed = display_name.is_some();
        self.devices
            .update_device(user, device_id, display_name)
            .await?;
        if renamed {
            self.device_keys
                .devices_changed(&user.user_id, &[device_id.to_owned()])
                .await;
        }
        Ok(())
    }

    async fn delete_devices(
        &self,
        user: &ClientUser,
        device_ids: Vec<String>,
        auth: Option<AuthData>,
        operation: String,
    ) -> Result<(), UiaError> {
        self.devices
            .delete_devices(user, device_ids.clone(), auth, operation)
            .await?;
        self.device_keys
            .devices_changed(&user.user_id, &device_ids)
            .await;
        Ok(())
    }
}

impl AppState {
    /// The ids of a user's devices (before an operation that deletes them all).
    async fn device_ids(&self, user_id: &str) -> Result<Vec<String>, MatrixError> {
        let devices = self
            .database
            .list_devices(user_id)
            .await
            .map_err(crate::services::internal)?;
        Ok(devices.into_iter().map(|device| device.device_id).collect())
    }
}

impl CapabilitiesPort for AppState {
    async fn capabilities(&self, _user: &ClientUser) -> Result<Map<String, Value>, MatrixError> {
        Ok(capabilities())
    }
}

/// What every user may do: change their password and profile (the two fields this server
/// stores); third-party ids and login tokens are not supported; every implemented room version
/// is stable.
fn capabilities() -> Map<String, Value> {
    let available: Map<String, Value> = RoomVersion::ALL
        .iter()
        .map(|version| {
            let stability = if version.stable { "stable" } else { "unstable" };
            (version.id.to_owned(), Value::from(stability))
        })
        .collect();
    let capabilities = json!({
        "m.change_password": {"enabled": true},
        "m.room_versions": {"default": DEFAULT_ROOM_VERSION, "available": available},
        "m.set_displayname": {"enabled": true},
        "m.set_avatar_url": {"enabled": true},
        "m.profile_fields": {"enabled": true, "allowed": ["displayname", "avatar_url"]},
        "m.3pid_changes": {"enabled": false},
        "m.get_login_token": {"enabled": false},
    });
    match capabilities {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl ServerDiscoveryPort for AppState {
    fn delegated_server_name(&self) -> Option<String> {
        self.config.well_known.server.clone()
    }
}

impl ServerKeysPort for AppState {
    fn server_name(&self) -> &str {
        &self.config.server_name
    }

    fn signing_key(&self) -> &KeyPair {
        &self.signing_key
    }
}
