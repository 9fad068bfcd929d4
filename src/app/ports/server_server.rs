//! The federation ports answered by the key ring: the origin keys that authenticate incoming
//! requests, and the key responses this server relays as a notary.

use federation::auth::unauthorized;
use federation::{MatrixError, NotaryPort, ServerAuthPort};
use serde_json::Value;
use state_res::signing::VerifyingKey;

use crate::app::AppState;
use crate::services::now_ms;

impl ServerAuthPort for AppState {
    async fn origin_key(&self, origin: &str, key_id: &str) -> Result<VerifyingKey, MatrixError> {
        self.key_ring
            .verify_key(origin, key_id, now_ms())
            .await
            .map_err(|e| {
                tracing::info!(%origin, key_id, error = %e, "cannot authenticate a request");
                unauthorized(format!("Cannot verify the request's key: {e}"))
            })
    }
}

impl NotaryPort for AppState {
    async fn remote_key_response(
        &self,
        server_name: &str,
        minimum_valid_until_ts: u64,
    ) -> Option<Value> {
        let minimum = i64::try_from(minimum_valid_until_ts).unwrap_or(i64::MAX);
        self.key_ring.notary_response(server_name, minimum).await
    }
}
