//! Asking other servers for their users' device keys (server-server § "End-to-End
//! Encryption": `/user/keys/query` and `/user/keys/claim`), for the client API's `/keys/query`
//! and `/keys/claim` of remote users. Each server is asked once per request, all at once, each
//! within the request's timeout; a server that fails or is too slow becomes an entry of the
//! client's `failures` (keyed by server name), never an error of the whole request.

use std::collections::BTreeMap;
use std::time::Duration;

use client_api::end_to_end_encryption::PerDevice;
use reqwest::Method;
use serde_json::{json, Map, Value};
use state_res::ids::server_name_of;
use tokio::task::JoinSet;

use super::client::FederationClient;

/// How long other servers get when the client names no `timeout` (Synapse: 10 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The remote answers merged, and the servers that failed with why.
#[derive(Debug, Default)]
pub struct RemoteAnswers<T> {
    /// Per user and device, from the servers that answered.
    pub answers: PerDevice<T>,
    /// `{server: {"status", "message"}}` for the others.
    pub failures: Map<String, Value>,
}

/// Groups a request's users by server, leaving out `own`.
pub fn by_server<T: Clone>(
    request: &BTreeMap<String, T>,
    own: &str,
) -> BTreeMap<String, BTreeMap<String, T>> {
    let mut servers: BTreeMap<String, BTreeMap<String, T>> = BTreeMap::new();
    for (user_id, value) in request {
        match server_name_of(user_id) {
            Some(server) if server != own => {
                servers
                    .entry(server.to_owned())
                    .or_default()
                    .insert(user_id.clone(), value.clone());
            }
            _ => {}
        }
    }
    servers
}

/// `POST /user/keys/query` to each server for its users' devices (empty list: all).
pub async fn query_remote_keys(
    client: &FederationClient,
    servers: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    timeout: Duration,
) -> RemoteAnswers<Value> {
    ask_all(client, servers, timeout, |users| {
        (
            "/_matrix/federation/v1/user/keys/query",
            json!({ "device_keys": users }),
            "device_keys",
        )
    })
    .await
}

/// `POST /user/keys/claim` to each server for its users' devices' keys.
pub async fn claim_remote_keys(
    client: &FederationClient,
    servers: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    timeout: Duration,
) -> RemoteAnswers<Map<String, Value>> {
    ask_all(client, servers, timeout, |users| {
        (
            "/_matrix/federation/v1/user/keys/claim",
            json!({ "one_time_keys": users }),
            "one_time_keys",
        )
    })
    .await
}

/// Asks every server at once: `request` gives the path, body and the answer's field holding
/// `{user: {device: value}}`. Only the server's own users are taken from its answer.
async fn ask_all<Q, T>(
    client: &FederationClient,
    servers: BTreeMap<String, Q>,
    timeout: Duration,
    request: impl Fn(&Q) -> (&'static str, Value, &'static str),
) -> RemoteAnswers<T>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let mut tasks = JoinSet::new();
    for (server, users) in servers {
        let (path, body, field) = request(&users);
        let client = client.clone();
        tasks.spawn(async move {
            let asked = tokio::time::timeout(
                timeout,
                client.request(Method::POST, &server, path, Some(&body)),
            )
            .await;
            let result = match asked {
                Err(_) => Err(failure(504, format!("{server} did not answer in time"))),
                Ok(Err(error)) => Err(failure(503, error.to_string())),
                Ok(Ok(answer)) => serde_json::from_value::<PerDevice<T>>(
                    answer.get(field).cloned().unwrap_or_else(|| json!({})),
                )
                .map_err(|e| failure(502, format!("{server} answered {field}: {e}"))),
            };
            (server, result)
        });
    }
    let mut merged = RemoteAnswers {
        answers: PerDevice::new(),
        failures: Map::new(),
    };
    while let Some(done) = tasks.join_next().await {
        let Ok((server, result)) = done else { continue };
        match result {
            Ok(answer) => {
                let own = answer
                    .into_iter()
                    .filter(|(user, _)| server_name_of(user) == Some(server.as_str()));
                merged.answers.extend(own);
            }
            Err(why) => {
                tracing::info!(server, %why, "remote key request failed");
                merged.failures.insert(server, why);
            }
        }
    }
    merged
}

/// A `failures` entry (Synapse's shape).
fn failure(status: u16, message: String) -> Value {
    json!({ "status": status, "message": message })
}
