//! Other servers' signing keys: fetched from the server itself (`/_matrix/key/v2/server`),
//! checked (server name, self-signatures), cached in the database with `valid_until_ts` and
//! never forgotten, so old events stay verifiable (spec `server-server-api.md` § "Retrieving
//! server keys").

mod memo;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use state_res::signing::{decode_public_key, verify_json, KeyPair, VerifyingKey};

use self::memo::KeyMemo;
use super::client::{FederationClient, FederationError};
use crate::services::now_ms;
use crate::services::rooms::locks::RoomLocks;
use crate::storage::{Database, RemoteServerKey, ServerKeyResponse, StorageError};

/// The spec caps how far ahead a key's `valid_until_ts` is trusted: "the lesser of this field
/// and 7 days into the future".
const MAX_VALIDITY_MS: i64 = 7 * 24 * 3600 * 1000;

/// A server is asked for its keys at most this often, so requests naming unknown keys cannot
/// make us hammer it.
const MIN_REFETCH: Duration = Duration::from_secs(30);

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The server does not have (or no longer vouches for) the key.
    #[error("{server} has no key {key_id} valid at {valid_at}")]
    Unknown {
        /// The server.
        server: String,
        /// The key id.
        key_id: String,
        /// The time it had to be valid at.
        valid_at: i64,
    },
    /// The server could not be asked.
    #[error("cannot fetch the keys of {server}: {error}")]
    Fetch {
        /// The server.
        server: String,
        /// What went wrong.
        error: FederationError,
    },
    /// The server's key response is unusable.
    #[error("the key response of {server} is invalid: {problem}")]
    Invalid {
        /// The server.
        server: String,
        /// What is wrong.
        problem: String,
    },
    /// The cache failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// The key ring: our key, and the cache of everyone else's.
#[derive(Debug)]
pub struct KeyRing {
    database: Database,
    client: FederationClient,
    own_key: KeyPair,
    last_fetch: Mutex<HashMap<String, Instant>>,
    memo: KeyMemo,
    /// One fetch per server at a time: concurrent checks of one transaction's PDUs wait for
    /// it and then find the key, instead of each being refused a fetch by [`MIN_REFETCH`].
    fetching: RoomLocks,
}

impl KeyRing {
    /// A key ring fetching through `client`.
    pub fn new(database: Database, client: FederationClient, own_key: KeyPair) -> Self {
        Self {
            database,
            client,
            own_key,
            last_fetch: Mutex::new(HashMap::new()),
            memo: KeyMemo::default(),
            fetching: RoomLocks::default(),
        }
    }

    /// `server`'s key `key_id`, valid at `valid_at` (milliseconds since the epoch): a current key
    /// whose capped `valid_until_ts` is not before it, or an old key that expired after it.
    pub async fn verify_key(
        &self,
        server: &str,
        key_id: &str,
        valid_at: i64,
    ) -> Result<VerifyingKey, KeyError> {
        if server == self.client.server_name() && key_id == self.own_key.key_id() {
            return Ok(self.own_key.verifying_key());
        }
        if let Some(key) = self.memo.get(server, key_id, valid_at) {
            return Ok(key);
        }
        if let Some(key) = self.cached(server, key_id, valid_at).await? {
            return Ok(key);
        }
        let _fetching = self.fetching.lock(server).await;
        // A fetch that finished while this waited may have brought the key.
        if let Some(key) = self.cached(server, key_id, valid_at).await? {
            return Ok(key);
        }
        if self.may_fetch(server) {
            self.fetch(server).await?;
            if let Some(key) = self.cached(server, key_id, valid_at).await? {
                return Ok(key);
            }
        }
        Err(KeyError::Unknown {
            server: server.to_owned(),
            key_id: key_id.to_owned(),
            valid_at,
        })
    }

    async fn cached(
        &self,
        server: &str,
        key_id: &str,
        valid_at: i64,
    ) -> Result<Option<VerifyingKey>, KeyError> {
        let Some(stored) = self.database.remote_server_key(server, key_id).await? else {
            return Ok(None);
        };
        let usable_until = match stored.expired_ts {
            Some(expired) => expired,
            None => stored
                .valid_until_ts
                .min(stored.fetched_ts.saturating_add(MAX_VALIDITY_MS)),
        };
        if usable_until < valid_at {
            return Ok(None);
        }
        let key = decode_public_key(&stored.public_key).map_err(|e| KeyError::Invalid {
            server: server.to_owned(),
            problem: e.to_string(),
        })?;
        self.memo.put(server, key_id, &key, usable_until);
        Ok(Some(key))
    }

    fn may_fetch(&self, server: &str) -> bool {
        let now = Instant::now();
        let mut last = self.last_fetch.lock().unwrap_or_else(|e| e.into_inner());
        match last.get(server) {
            Some(at) if now.duration_since(*at) < MIN_REFETCH => false,
            _ => {
                last.insert(server.to_owned(), now);
                true
            }
        }
    }

    /// Fetches `server`'s keys from itself and caches them.
    pub async fn fetch(&self, server: &str) -> Result<(), KeyError> {
        let response = self
            .client
            .request_unsigned(Method::GET, server, "/_matrix/key/v2/server")
            .await
            .map_err(|error| KeyError::Fetch {
                server: server.to_owned(),
                error,
            })?;
        self.store_response(server, response).await
    }

    /// `server`'s key response for the notary API: the cached one if it is valid until
    /// `minimum_valid_until_ts`, else a fresh one, else (the server being unreachable) the
    /// cached one anyway.
    pub async fn notary_response(
        &self,
        server: &str,
        minimum_valid_until_ts: i64,
    ) -> Option<Value> {
        let cached = self
            .database
            .server_key_response(server)
            .await
            .ok()
            .flatten();
        let fresh_enough = cached
            .as_ref()
            .is_some_and(|c| c.valid_until_ts >= minimum_valid_until_ts);
        let response = if fresh_enough || !self.may_fetch(server) {
            cached
        } else {
            match self.fetch(server).await {
                Ok(()) => self
                    .database
                    .server_key_response(server)
                    .await
                    .ok()
                    .flatten(),
                Err(e) => {
                    tracing::info!(%server, error = %e, "notary: serving cached keys");
                    cached
                }
            }
        };
        response.and_then(|r| serde_json::from_str(&r.response_json).ok())
    }

    /// Checks a key response for `server` (its own or relayed by a notary) and caches its keys
    /// and the response itself.
    pub async fn store_response(&self, server: &str, response: Value) -> Result<(), KeyError> {
        let fetched_ts = now_ms();
        let keys = check_key_response(server, &response)?;
        self.memo.forget_server(server);
        for key in keys {
            self.database
                .upsert_remote_server_key(&RemoteServerKey { fetched_ts, ..key })
                .await?;
        }
        let valid_until_ts = response["valid_until_ts"].as_i64().unwrap_or_default();
        self.database
            .store_server_key_response(&ServerKeyResponse {
                server_name: server.to_owned(),
                valid_until_ts,
                fetched_ts,
                response_json: response.to_string(),
            })
            .await?;
        Ok(())
    }
}

/// The keys of a key response, after the spec's checks: it names `server`, has an integer
/// `valid_until_ts`, and every signature by `server` with one of its `verify_keys` verifies
/// (at least one must be there).
pub fn check_key_response(
    server: &str,
    response: &Value,
) -> Result<Vec<RemoteServerKey>, KeyError> {
    let invalid = |problem: &str| KeyError::Invalid {
        server: server.to_owned(),
        problem: problem.to_owned(),
    };
    let object = response
        .as_object()
        .ok_or_else(|| invalid("not an object"))?;
    if object.get("server_name").and_then(Value::as_str) != Some(server) {
        return Err(invalid("server_name does not match"));
    }
    let valid_until_ts = object
        .get("valid_until_ts")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("valid_until_ts is missing"))?;
    let verify_keys = object
        .get("verify_keys")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("verify_keys is missing"))?;
    let mut keys = Vec::new();
    let mut verified = 0;
    for (key_id, entry) in verify_keys {
        let public_key = entry["key"]
            .as_str()
            .ok_or_else(|| invalid("a verify key has no key"))?;
        let decoded = decode_public_key(public_key).map_err(|e| invalid(&e.to_string()))?;
        if state_res::signing::signature_of(object, server, key_id).is_some() {
            verify_json(object, server, key_id, &decoded).map_err(|e| invalid(&e.to_string()))?;
            verified += 1;
        }
        keys.push(RemoteServerKey {
            server_name: server.to_owned(),
            key_id: key_id.clone(),
            public_key: public_key.to_owned(),
            valid_until_ts,
            fetched_ts: 0,
            expired_ts: None,
        });
    }
    if verified == 0 {
        return Err(invalid("not signed by any of its verify keys"));
    }
    let old = object.get("old_verify_keys").and_then(Value::as_object);
    for (key_id, entry) in old.into_iter().flatten() {
        let (Some(public_key), Some(expired_ts)) =
            (entry["key"].as_str(), entry["expired_ts"].as_i64())
        else {
            return Err(invalid("an old verify key lacks key or expired_ts"));
        };
        decode_public_key(public_key).map_err(|e| invalid(&e.to_string()))?;
        keys.push(RemoteServerKey {
            server_name: server.to_owned(),
            key_id: key_id.clone(),
            public_key: public_key.to_owned(),
            valid_until_ts: expired_ts,
            fetched_ts: 0,
            expired_ts: Some(expired_ts),
        });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests;
