//! The engine's implementations of the `client_api` and `federation` ports.

use client_api::ClientDiscoveryPort;
use federation::{ServerDiscoveryPort, ServerKeysPort};
use state_res::signing::KeyPair;

use super::AppState;

impl ClientDiscoveryPort for AppState {
    fn homeserver_base_url(&self) -> Option<String> {
        self.config.well_known.client.clone()
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
