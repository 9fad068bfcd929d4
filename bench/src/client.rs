//! A small Matrix client over the standard client-server API (v3 paths), plus Synapse's
//! shared-secret registration (`/_synapse/admin/v1/register`), which Concord implements too.
//! Every request has a timeout; rate-limited requests (429) are retried a bounded number of times.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};

/// How often a 429 answer is retried before giving up.
const MAX_RATE_LIMIT_RETRIES: u32 = 20;
/// The longest `retry_after_ms` we honour per retry.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);
/// Added to a long-poll's `timeout` to get the HTTP request timeout.
const LONG_POLL_MARGIN: Duration = Duration::from_secs(15);

/// A homeserver: base URL, HTTP client (one connection pool for all users) and the
/// registration secret. Cheap to clone.
#[derive(Clone)]
pub struct Homeserver {
    http: reqwest::Client,
    base: Arc<str>,
    shared_secret: Option<Arc<str>>,
    timeout: Duration,
}

/// A registered, logged-in user.
#[derive(Clone, Debug)]
pub struct User {
    /// `@localpart:server`.
    pub user_id: String,
    /// The access token.
    pub access_token: String,
}

impl Homeserver {
    /// A client for `base_url` (without a trailing slash) whose ordinary requests time out after
    /// `timeout`. `pool_idle` is the number of idle connections kept per host: set it to the
    /// largest number of concurrent requests so that connections are reused.
    pub fn new(
        base_url: &str,
        shared_secret: Option<String>,
        timeout: Duration,
        pool_idle: usize,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(pool_idle)
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Homeserver {
            http,
            base: base_url.trim_end_matches('/').into(),
            shared_secret: shared_secret.map(Into::into),
            timeout,
        })
    }

    /// Sends a request and returns the JSON body of a 2xx answer; anything else is an error
    /// naming the request, the status and the body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        for _ in 0..=MAX_RATE_LIMIT_RETRIES {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .timeout(timeout);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .with_context(|| format!("{method} {path}"))?;
            let status = response.status();
            let text = response
                .text()
                .await
                .with_context(|| format!("{method} {path}: reading the body"))?;
            let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if status.is_success() {
                return Ok(json);
            }
            if status.as_u16() == 429 {
                let wait = json["retry_after_ms"].as_u64().unwrap_or(100);
                tokio::time::sleep(Duration::from_millis(wait).min(MAX_RETRY_WAIT)).await;
                continue;
            }
            let shown: String = text.chars().take(300).collect();
            bail!("{method} {path}: HTTP {status}: {shown}");
        }
        bail!("{method} {path}: still rate limited after {MAX_RATE_LIMIT_RETRIES} retries")
    }

    /// `call` with the ordinary timeout.
    async fn call_default(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        self.call(method, path, token, body, self.timeout).await
    }

    /// Creates a (non-admin) user with the shared-secret registration API: `GET` a nonce, then
    /// `POST` the HMAC-SHA1 of `nonce\0user\0password\0notadmin` (hex) with it. The answer
    /// holds an access token, so no login is needed.
    pub async fn register(&self, localpart: &str, password: &str) -> anyhow::Result<User> {
        let secret = self
            .shared_secret
            .as_deref()
            .ok_or_else(|| anyhow!("--shared-secret is needed to create users"))?;
        let path = "/_synapse/admin/v1/register";
        let nonce = self.call_default(Method::GET, path, None, None).await?;
        let nonce = nonce["nonce"]
            .as_str()
            .ok_or_else(|| anyhow!("GET {path}: no nonce in {nonce}"))?;
        let body = json!({
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": false,
            "mac": shared_secret_mac(secret, nonce, localpart, password, false),
        });
        let answer = self
            .call_default(Method::POST, path, None, Some(&body))
            .await?;
        user_of(&answer, path)
    }

    /// Logs in with `m.login.password`.
    pub async fn login(&self, localpart: &str, password: &str) -> anyhow::Result<User> {
        let path = "/_matrix/client/v3/login";
        let body = json!({
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": localpart},
            "password": password,
        });
        let answer = self
            .call_default(Method::POST, path, None, Some(&body))
            .await?;
        user_of(&answer, path)
    }

    /// `POST /createRoom` with `body`; returns the room id.
    pub async fn create_room(&self, user: &User, body: &Value) -> anyhow::Result<String> {
        let path = "/_matrix/client/v3/createRoom";
        let answer = self
            .call_default(Method::POST, path, Some(&user.access_token), Some(body))
            .await?;
        string_field(&answer, "room_id", path)
    }

    /// `POST /rooms/{roomId}/join`.
    pub async fn join(&self, user: &User, room_id: &str) -> anyhow::Result<()> {
        let path = format!("/_matrix/client/v3/rooms/{}/join", encode(room_id));
        self.call_default(
            Method::POST,
            &path,
            Some(&user.access_token),
            Some(&json!({})),
        )
        .await?;
        Ok(())
    }

    /// Sends an `m.room.message` text with `body` and transaction id `txn`; returns the event id.
    pub async fn send_text(
        &self,
        user: &User,
        room_id: &str,
        txn: &str,
        body: &str,
    ) -> anyhow::Result<String> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
            encode(room_id),
            encode(txn)
        );
        let content = json!({"msgtype": "m.text", "body": body});
        let answer = self
            .call_default(Method::PUT, &path, Some(&user.access_token), Some(&content))
            .await?;
        string_field(&answer, "event_id", &path)
    }

    /// `GET /sync`, with `since` if given, holding the request up to `timeout_ms` when there is
    /// nothing new.
    pub async fn sync(
        &self,
        user: &User,
        since: Option<&str>,
        timeout_ms: u64,
    ) -> anyhow::Result<Value> {
        let mut path = format!("/_matrix/client/v3/sync?timeout={timeout_ms}");
        if let Some(since) = since {
            path.push_str(&format!("&since={}", encode(since)));
        }
        let timeout = self
            .timeout
            .max(Duration::from_millis(timeout_ms) + LONG_POLL_MARGIN);
        self.call(Method::GET, &path, Some(&user.access_token), None, timeout)
            .await
    }

    /// `GET /rooms/{roomId}/messages?dir=b&limit=LIMIT` from the end of the room (no `from`,
    /// allowed since spec v1.3).
    pub async fn messages_backwards(
        &self,
        user: &User,
        room_id: &str,
        limit: u32,
    ) -> anyhow::Result<Value> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/messages?dir=b&limit={limit}",
            encode(room_id)
        );
        self.call_default(Method::GET, &path, Some(&user.access_token), None)
            .await
    }
}

/// The `next_batch` token of a sync answer.
pub fn next_batch(sync: &Value) -> anyhow::Result<String> {
    string_field(sync, "next_batch", "/sync")
}

/// Whether a sync answer holds, in some joined room's timeline, a message whose body is `body`.
pub fn sync_has_body(sync: &Value, body: &str) -> bool {
    let Some(rooms) = sync["rooms"]["join"].as_object() else {
        return false;
    };
    rooms.values().any(|room| {
        room["timeline"]["events"]
            .as_array()
            .is_some_and(|events| events.iter().any(|e| e["content"]["body"] == body))
    })
}

fn user_of(answer: &Value, path: &str) -> anyhow::Result<User> {
    Ok(User {
        user_id: string_field(answer, "user_id", path)?,
        access_token: string_field(answer, "access_token", path)?,
    })
}

fn string_field(answer: &Value, field: &str, path: &str) -> anyhow::Result<String> {
    answer[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("{path}: no {field} in the answer {answer}"))
}

/// Synapse's shared-secret registration MAC: HMAC-SHA1 over
/// `nonce\0user\0password\0admin|notadmin`, hex encoded.
pub fn shared_secret_mac(
    secret: &str,
    nonce: &str,
    user: &str,
    password: &str,
    admin: bool,
) -> String {
    let mut mac =
        Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    let role = if admin { "admin" } else { "notadmin" };
    for (i, part) in [nonce, user, password, role].iter().enumerate() {
        if i > 0 {
            mac.update(b"\0");
        }
        mac.update(part.as_bytes());
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Percent-encodes a path segment or query value (everything but RFC 3986 unreserved bytes).
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_matches_synapses_documented_construction() {
        // Python: hmac.new(b"s", b"n\x00u\x00p\x00notadmin", hashlib.sha1).hexdigest()
        assert_eq!(
            shared_secret_mac("s", "n", "u", "p", false),
            "26f3059760aebb1bcdcebc65f1bcb7b75691a8d6"
        );
    }

    #[test]
    fn encodes_room_ids() {
        assert_eq!(encode("!a:b.c"), "%21a%3Ab.c");
    }

    #[test]
    fn finds_a_body_in_a_sync_answer() {
        let sync = json!({"rooms": {"join": {"!r:s": {"timeline": {"events": [
            {"type": "m.room.message", "content": {"body": "x1"}}
        ]}}}}});
        assert!(sync_has_body(&sync, "x1"));
        assert!(!sync_has_body(&sync, "x2"));
        assert!(!sync_has_body(&json!({}), "x1"));
    }
}
