//! The federation ports answered by the key ring: the origin keys that authenticate incoming
//! requests, and the key responses this server relays as a notary.

use axum::http::StatusCode;
use federation::auth::unauthorized;
use federation::{MatrixError, NotaryPort, QueryPort, ServerAuthPort};
use serde_json::{Map, Value};
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

impl QueryPort for AppState {
    async fn local_profile(&self, user_id: &str) -> Result<Map<String, Value>, MatrixError> {
        let profile = self
            .rooms
            .user_profile(user_id)
            .await
            .map_err(from_client)?;
        let mut answer = Map::new();
        if let Some(name) = profile.displayname {
            answer.insert("displayname".to_owned(), Value::String(name));
        }
        if let Some(url) = profile.avatar_url {
            answer.insert("avatar_url".to_owned(), Value::String(url));
        }
        Ok(answer)
    }

    async fn local_alias(&self, room_alias: &str) -> Result<(String, Vec<String>), MatrixError> {
        let local =
            state_res::ids::server_name_of(room_alias) == Some(self.config.server_name.as_str());
        if !local {
            return Err(MatrixError::not_found("Room alias not found"));
        }
        self.rooms.room_alias(room_alias).await.map_err(from_client)
    }
}

/// A client-API error of a shared service, as the federation API answers it.
pub(super) fn from_client(error: client_api::MatrixError) -> MatrixError {
    let status =
        StatusCode::from_u16(error.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    MatrixError::new(status, error.errcode, error.error)
}
