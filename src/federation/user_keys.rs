//! Asking other servers for their users' device keys (server-server § "End-to-End
//! Encryption": `/user/keys/query` and `/user/keys/claim`), for the client API's `/keys/query`
//! and `/keys/claim` of remote users. Each server is asked once per request, all at once, each
//! within the request's timeout; a server that fails or is too slow becomes an entry of the
//! client's `failures` (keyed by server name), never an error of the whole request.

use std::collections::BTreeMap;
use std::time::Duration;

use client_api::end_to_end_encryption::{query_keys, PerDevice};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use state_res::ids::server_name_of;
use tokio::task::JoinSet;

use super::client::FederationClient;

/// How long other servers get when the client names no `timeout` (Synapse: 10 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The remote `/user/keys/claim` answers merged, and the servers that failed with why.
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

/// `POST /user/keys/query` to each server for its users' devices (empty list: all): the
/// device keys and cross-signing keys of the answers, and the failures.
pub async fn query_remote_keys(
    client: &FederationClient,
    servers: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    timeout: Duration,
) -> query_keys::Response {
    let path = "/_matrix/federation/v1/user/keys/query";
    let (answers, failures) = ask_all(
        client,
        servers,
        timeout,
        path,
        |users| json!({ "device_keys": users }),
    )
    .await;
    let mut merged = query_keys::Response {
        failures,
        ..query_keys::Response::default()
    };
    for (server, answer) in answers {
        merged
            .device_keys
            .extend(own_users(&server, &answer, "device_keys"));
        merged
            .master_keys
            .extend(own_users(&server, &answer, "master_keys"));
        merged
            .self_signing_keys
            .extend(own_users(&server, &answer, "self_signing_keys"));
    }
    merged
}

/// `POST /user/keys/claim` to each server for its users' devices' keys.
pub async fn claim_remote_keys(
    client: &FederationClient,
    servers: BTreeMap<String, PerDevice<String>>,
    timeout: Duration,
) -> RemoteAnswers<Map<String, Value>> {
    let path = "/_matrix/federation/v1/user/keys/claim";
    let (answers, failures) = ask_all(
        client,
        servers,
        timeout,
        path,
        |users| json!({ "one_time_keys": users }),
    )
    .await;
    let mut merged = RemoteAnswers {
        answers: PerDevice::new(),
        failures,
    };
    for (server, answer) in answers {
        merged
            .answers
            .extend(own_users(&server, &answer, "one_time_keys"));
    }
    merged
}

/// `answer[field]` as `{user: T}`, only the users of `server` (and nothing if malformed).
fn own_users<T: DeserializeOwned>(
    server: &str,
    answer: &Value,
    field: &str,
) -> BTreeMap<String, T> {
    let Some(users) = answer.get(field).and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    users
        .iter()
        .filter(|(user, _)| server_name_of(user) == Some(server))
        .filter_map(|(user, value)| {
            let value = serde_json::from_value(value.clone()).ok()?;
            Some((user.clone(), value))
        })
        .collect()
}

/// POSTs `body(users)` to `path` on every server at once; the answers of those that answered
/// in time, and a failure for each other.
async fn ask_all<Q>(
    client: &FederationClient,
    servers: BTreeMap<String, Q>,
    timeout: Duration,
    path: &'static str,
    body: impl Fn(&Q) -> Value,
) -> (Vec<(String, Value)>, Map<String, Value>) {
    let mut tasks = JoinSet::new();
    for (server, users) in servers {
        let body = body(&users);
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
                Ok(Ok(answer)) => Ok(answer),
            };
            (server, result)
        });
    }
    let mut answers = Vec::new();
    let mut failures = Map::new();
    while let Some(done) = tasks.join_next().await {
        let Ok((server, result)) = done else { continue };
        match result {
            Ok(answer) => answers.push((server, answer)),
            Err(why) => {
                tracing::info!(server, %why, "remote key request failed");
                failures.insert(server, why);
            }
        }
    }
    (answers, failures)
}

/// A `failures` entry (Synapse's shape).
fn failure(status: u16, message: String) -> Value {
    json!({ "status": status, "message": message })
}
