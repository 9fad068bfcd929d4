//! `KeysPort` (client `/keys/*`) and `DeviceKeysPort` (federation `/user/keys/*`,
//! `/user/devices`): local users are answered by `services::device_keys`, remote users by
//! asking their servers (`federation::user_keys`) at every request — remote keys are not cached.

use std::collections::BTreeMap;
use std::time::Duration;

use client_api::end_to_end_encryption::{
    claim_keys, query_keys, upload_cross_signing_keys, upload_keys, KeyChanges, PerDevice,
};
use client_api::{ClientUser, KeysPort, MatrixError, UiaError};
use federation::DeviceKeysPort;
use serde_json::{json, Map, Value};

use super::server_server::from_client;
use crate::app::AppState;
use crate::federation::user_keys::{
    by_server, claim_remote_keys, query_remote_keys, DEFAULT_TIMEOUT,
};
use crate::services::sync::token::StreamToken;

impl KeysPort for AppState {
    async fn upload_keys(
        &self,
        user: &ClientUser,
        request: upload_keys::Request,
    ) -> Result<BTreeMap<String, u64>, MatrixError> {
        self.device_keys.upload(user, request).await
    }

    async fn query_keys(
        &self,
        user: &ClientUser,
        request: query_keys::Request,
    ) -> Result<query_keys::Response, MatrixError> {
        let servers = by_server(&request.device_keys, &self.config.server_name);
        let (local, remote) = tokio::join!(
            self.device_keys
                .local_device_keys(&request.device_keys, Some(&user.user_id)),
            query_remote_keys(&self.federation_client, servers, timeout(request.timeout)),
        );
        let mut answer = local?;
        answer.failures = remote.failures;
        answer.device_keys.extend(remote.device_keys);
        answer.master_keys.extend(remote.master_keys);
        answer.self_signing_keys.extend(remote.self_signing_keys);
        Ok(answer)
    }

    async fn claim_keys(
        &self,
        _user: &ClientUser,
        request: claim_keys::Request,
    ) -> Result<claim_keys::Response, MatrixError> {
        let servers = by_server(&request.one_time_keys, &self.config.server_name);
        let (local, remote) = tokio::join!(
            self.device_keys.claim_local_keys(&request.one_time_keys),
            claim_remote_keys(&self.federation_client, servers, timeout(request.timeout)),
        );
        let mut one_time_keys = local?;
        one_time_keys.extend(remote.answers);
        Ok(claim_keys::Response {
            failures: remote.failures,
            one_time_keys,
        })
    }

    async fn upload_cross_signing_keys(
        &self,
        user: &ClientUser,
        request: upload_cross_signing_keys::Request,
        operation: String,
    ) -> Result<(), UiaError> {
        self.device_keys
            .upload_cross_signing(user, request, operation)
            .await
    }

    async fn upload_signatures(
        &self,
        user: &ClientUser,
        request: Map<String, Value>,
    ) -> Result<Map<String, Value>, MatrixError> {
        self.device_keys.upload_signatures(user, request).await
    }

    async fn key_changes(
        &self,
        user: &ClientUser,
        from: &str,
        to: &str,
    ) -> Result<KeyChanges, MatrixError> {
        let from = StreamToken::parse(from)?;
        // `to` only bounds the range: later changes are reported too (never missed).
        StreamToken::parse(to)?;
        self.device_keys.changes(&user.user_id, &from, None).await
    }
}

impl DeviceKeysPort for AppState {
    async fn local_device_keys(
        &self,
        request: BTreeMap<String, Vec<String>>,
    ) -> Result<Map<String, Value>, federation::MatrixError> {
        let answer = self
            .device_keys
            .local_device_keys(&request, None)
            .await
            .map_err(from_client)?;
        let mut body = Map::new();
        body.insert("device_keys".to_owned(), json!(answer.device_keys));
        if !answer.master_keys.is_empty() {
            body.insert("master_keys".to_owned(), json!(answer.master_keys));
        }
        if !answer.self_signing_keys.is_empty() {
            body.insert(
                "self_signing_keys".to_owned(),
                json!(answer.self_signing_keys),
            );
        }
        Ok(body)
    }

    async fn claim_local_keys(
        &self,
        request: PerDevice<String>,
    ) -> Result<PerDevice<Map<String, Value>>, federation::MatrixError> {
        self.device_keys
            .claim_local_keys(&request)
            .await
            .map_err(from_client)
    }

    async fn user_devices(&self, user_id: &str) -> Result<Value, federation::MatrixError> {
        self.device_keys
            .user_devices(user_id)
            .await
            .map_err(from_client)
    }
}

/// The client's `timeout` (ms), or Synapse's 10 s.
fn timeout(ms: Option<u64>) -> Duration {
    ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis)
}
