//! A small Matrix client for the scenarios: JSON requests with or without an access token,
//! and the usual set-up steps (register, log in).

use reqwest::Method;
use serde_json::{json, Value};

use super::TestServer;

/// A logged-in user.
#[derive(Clone, Debug)]
pub struct Session {
    /// `@localpart:server`.
    pub user_id: String,
    /// The access token.
    pub access_token: String,
    /// The device.
    pub device_id: String,
}

/// Sends `body` (if any) with `method` to `path`, with `token` as a Bearer token; returns the
/// status and the JSON body (`Null` if the body is not JSON).
pub async fn request(
    server: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = super::client().request(method, server.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// POSTs `body` to `path` without a token.
pub async fn post(server: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    request(server, Method::POST, path, None, Some(body)).await
}

/// Registers `localpart` with `password` through the `m.login.dummy` flow (the server must
/// have open registration) and returns the new session.
pub async fn register(server: &TestServer, localpart: &str, password: &str) -> Session {
    let body = json!({
        "username": localpart,
        "password": password,
        "auth": {"type": "m.login.dummy"},
    });
    let (status, body) = post(server, "/_matrix/client/v3/register", &body).await;
    assert_eq!(status, 200, "register {localpart}: {body}");
    session_of(&body)
}

/// Logs `user` (localpart or user id) in with `password`.
pub async fn login(server: &TestServer, user: &str, password: &str) -> Session {
    let (status, body) = post(
        server,
        "/_matrix/client/v3/login",
        &password_login(user, password),
    )
    .await;
    assert_eq!(status, 200, "login {user}: {body}");
    session_of(&body)
}

/// A `POST /login` body for `m.login.password` with an `m.id.user` identifier.
pub fn password_login(user: &str, password: &str) -> Value {
    json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
    })
}

/// An `m.login.password` UIA auth dict.
pub fn password_auth(user_id: &str, password: &str, session: Option<&str>) -> Value {
    let mut auth = json!({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user_id},
        "password": password,
    });
    if let Some(session) = session {
        auth["session"] = json!(session);
    }
    auth
}

/// The session in a login or registration response.
pub(super) fn session_of(body: &Value) -> Session {
    let field = |name: &str| {
        body[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} in {body}"))
            .to_owned()
    };
    Session {
        user_id: field("user_id"),
        access_token: field("access_token"),
        device_id: field("device_id"),
    }
}

/// `GET /account/whoami` with `token`: the status and body.
pub async fn whoami(server: &TestServer, token: &str) -> (u16, Value) {
    request(
        server,
        Method::GET,
        "/_matrix/client/v3/account/whoami",
        Some(token),
        None,
    )
    .await
}
