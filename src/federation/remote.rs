//! The room engine's questions to other servers (`RemoteEvents`), over federation: auth chains
//! (`/event_auth`), gaps (`/get_missing_events`) and the state before an event (`/state`).
//! Every event answered goes through the checks on receipt (format, signatures, hashes,
//! `event_checks`) before the engine sees it; events that fail them are left out.

use reqwest::Method;
use serde_json::{json, Value};
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

use super::client::path_segment;
use super::event_checks::check_pdu;
use super::{FederationClient, KeyRing};
use crate::services::rooms::RemoteEvents;

/// Asks other servers through `client`, checking answers with `key_ring`.
#[derive(Clone, Copy, Debug)]
pub struct FederationRemote<'a> {
    /// Signed requests.
    pub client: &'a FederationClient,
    /// Keys to check the answered events' signatures.
    pub key_ring: &'a KeyRing,
}

impl FederationRemote<'_> {
    /// `GET` or `POST` `path` on `server`; `None` (logged) on any failure.
    async fn ask(
        &self,
        method: Method,
        server: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Option<Value> {
        match self.client.request(method, server, path, body).await {
            Ok(answer) => Some(answer),
            Err(error) => {
                tracing::info!(%server, path, %error, "federation request failed");
                None
            }
        }
    }

    /// The PDUs of `answer[key]` that pass the checks on receipt.
    pub async fn checked(&self, answer: &Value, key: &str, version: &RoomVersion) -> Vec<Pdu> {
        let mut pdus = Vec::new();
        for json in answer
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(object) = json.as_object().cloned() else {
                continue;
            };
            match check_pdu(self.key_ring, object, version).await {
                Ok(checked) => pdus.push(checked.pdu),
                Err(error) => tracing::info!(%error, "dropped an event a server sent"),
            }
        }
        pdus
    }
}

impl RemoteEvents for FederationRemote<'_> {
    async fn auth_chain(
        &self,
        server: &str,
        version: &RoomVersion,
        room_id: &str,
        event_id: &str,
    ) -> Vec<Pdu> {
        let path = format!(
            "/_matrix/federation/v1/event_auth/{}/{}",
            path_segment(room_id),
            path_segment(event_id)
        );
        match self.ask(Method::GET, server, &path, None).await {
            Some(answer) => self.checked(&answer, "auth_chain", version).await,
            None => Vec::new(),
        }
    }

    async fn missing_events(
        &self,
        server: &str,
        version: &RoomVersion,
        room_id: &str,
        earliest: &[String],
        latest: &[String],
        limit: u32,
    ) -> Vec<Pdu> {
        let path = format!(
            "/_matrix/federation/v1/get_missing_events/{}",
            path_segment(room_id)
        );
        let body = json!({
            "earliest_events": earliest,
            "latest_events": latest,
            "limit": limit,
            "min_depth": 0,
        });
        match self.ask(Method::POST, server, &path, Some(&body)).await {
            Some(answer) => self.checked(&answer, "events", version).await,
            None => Vec::new(),
        }
    }

    async fn backfill(
        &self,
        server: &str,
        version: &RoomVersion,
        room_id: &str,
        from: &[String],
        limit: u32,
    ) -> Vec<Pdu> {
        let query: String = from
            .iter()
            .map(|event_id| format!("v={}&", path_segment(event_id)))
            .collect();
        let path = format!(
            "/_matrix/federation/v1/backfill/{}?{query}limit={limit}",
            path_segment(room_id),
        );
        match self.ask(Method::GET, server, &path, None).await {
            Some(answer) => self.checked(&answer, "pdus", version).await,
            None => Vec::new(),
        }
    }

    async fn state_before(
        &self,
        server: &str,
        version: &RoomVersion,
        room_id: &str,
        event_id: &str,
    ) -> Option<(Vec<Pdu>, Vec<Pdu>)> {
        let path = format!(
            "/_matrix/federation/v1/state/{}?event_id={}",
            path_segment(room_id),
            path_segment(event_id)
        );
        let answer = self.ask(Method::GET, server, &path, None).await?;
        let state = self.checked(&answer, "pdus", version).await;
        let auth_chain = self.checked(&answer, "auth_chain", version).await;
        Some((state, auth_chain))
    }
}
