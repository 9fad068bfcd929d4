//! Registration: `POST /register` with its UIA flows, `GET /register/available`, registration
//! tokens, and Synapse's shared-secret registration.

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha1::Sha1;

use crate::harness::{
    each_backend, get_json, post, register, request, whoami, Backend, Options, TestServer,
};

const REGISTER: &str = "/_matrix/client/v3/register";
const AVAILABLE: &str = "/_matrix/client/v3/register/available";
const VALIDITY: &str = "/_matrix/client/v1/register/m.login.registration_token/validity";
const ADMIN_REGISTER: &str = "/_synapse/admin/v1/register";

async fn open_server(backend: Backend) -> TestServer {
    TestServer::start_with(Options::open_registration(backend)).await
}

#[tokio::test]
async fn registration_is_forbidden_unless_enabled() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options {
            backend,
            ..Options::default()
        })
        .await;
        let (status, body) = post(&server, REGISTER, &json!({"username": "alice"})).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let (status, body) = get_json(&server.url(&format!("{AVAILABLE}?username=alice"))).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
    })
    .await;
}

#[tokio::test]
async fn registering_without_auth_answers_401_with_the_dummy_flow_and_a_session() {
    each_backend(|backend| async move {
        let server = open_server(backend).await;
        let body = json!({"username": "alice", "password": "pw"});
        let (status, body) = post(&server, REGISTER, &body).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["flows"], json!([{"stages": ["m.login.dummy"]}]));
        assert!(
            body["session"].as_str().is_some_and(|s| !s.is_empty()),
            "{body}"
        );
        assert!(body["params"].is_object(), "{body}");
        assert!(
            body.get("errcode").is_none() && body.get("completed").is_none(),
            "{body}"
        );
        // The session completes with the dummy stage.
        let auth = json!({"type": "m.login.dummy", "session": body["session"]});
        let body = json!({"username": "alice", "password": "pw", "auth": auth});
        let (status, body) = post(&server, REGISTER, &body).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["user_id"], format!("@alice:{}", server.server_name));
    })
    .await;
}

#[tokio::test]
async fn a_registered_user_gets_a_working_access_token_and_a_named_device() {
    each_backend(|backend| async move {
        let server = open_server(backend).await;
        let body = json!({
            "username": "Bob",
            "password": "secret",
            "device_id": "BOBPHONE",
            "initial_device_display_name": "Bob's phone",
            "auth": {"type": "m.login.dummy"},
        });
        let (status, body) = post(&server, REGISTER, &body).await;
        assert_eq!(status, 200, "{body}");
        let user_id = format!("@bob:{}", server.server_name);
        assert_eq!(body["user_id"], user_id, "the username is lowercased");
        assert_eq!(body["home_server"], server.server_name);
        assert_eq!(body["device_id"], "BOBPHONE");
        assert!(body.get("refresh_token").is_none() && body.get("expires_in_ms").is_none());
        let token = body["access_token"].as_str().expect("access_token");
        let (status, me) = whoami(&server, token).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(
            me,
            json!({"user_id": user_id, "device_id": "BOBPHONE", "is_guest": false})
        );
        let path = "/_matrix/client/v3/devices/BOBPHONE";
        let (status, device) = request(&server, Method::GET, path, Some(token), None).await;
        assert_eq!(status, 200, "{device}");
        assert_eq!(device["display_name"], "Bob's phone");
    })
    .await;
}

#[tokio::test]
async fn invalid_usernames_are_rejected_with_m_invalid_username_before_auth() {
    each_backend(|backend| async move {
        let server = open_server(backend).await;
        for username in ["a b", "_bridge", "12345", "café", "al:ice", ""] {
            let body = json!({"username": username, "password": "pw"});
            let (status, body) = post(&server, REGISTER, &body).await;
            assert_eq!(status, 400, "{username:?}: {body}");
            assert_eq!(body["errcode"], "M_INVALID_USERNAME", "{username:?}");
            let url = server.url(&format!("{AVAILABLE}?username={}", urlencode(username)));
            let (status, body) = get_json(&url).await;
            assert_eq!(
                (status, body["errcode"].as_str()),
                (400, Some("M_INVALID_USERNAME"))
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_taken_username_is_m_user_in_use_and_a_free_one_is_available() {
    each_backend(|backend| async move {
        let server = open_server(backend).await;
        register(&server, "carol", "pw").await;
        let (status, body) = get_json(&server.url(&format!("{AVAILABLE}?username=dave"))).await;
        assert_eq!((status, body), (200, json!({"available": true})));
        for name in ["carol", "CAROL"] {
            let (status, body) =
                get_json(&server.url(&format!("{AVAILABLE}?username={name}"))).await;
            assert_eq!(
                (status, body["errcode"].as_str()),
                (400, Some("M_USER_IN_USE"))
            );
            let body =
                json!({"username": name, "password": "pw", "auth": {"type": "m.login.dummy"}});
            let (status, body) = post(&server, REGISTER, &body).await;
            assert_eq!(
                (status, body["errcode"].as_str()),
                (400, Some("M_USER_IN_USE"))
            );
        }
        let (status, body) = get_json(&server.url(AVAILABLE)).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_MISSING_PARAM"))
        );
    })
    .await;
}

#[tokio::test]
async fn registration_with_inhibit_login_returns_no_token_and_without_username_makes_one_up() {
    each_backend(|backend| async move {
        let server = open_server(backend).await;
        let body = json!({
            "username": "erin", "password": "pw", "inhibit_login": true,
            "auth": {"type": "m.login.dummy"},
        });
        let (status, body) = post(&server, REGISTER, &body).await;
        assert_eq!(status, 200, "{body}");
        let expected = json!({"user_id": format!("@erin:{}", server.server_name), "home_server": server.server_name});
        assert_eq!(body, expected);
        let body = json!({"password": "pw", "auth": {"type": "m.login.dummy"}});
        let (status, body) = post(&server, REGISTER, &body).await;
        assert_eq!(status, 200, "{body}");
        let user_id = body["user_id"].as_str().expect("user_id");
        assert!(user_id.ends_with(&format!(":{}", server.server_name)), "{user_id}");
        let (status, _) = whoami(&server, body["access_token"].as_str().expect("token")).await;
        assert_eq!(status, 200);
    })
    .await;
}

#[tokio::test]
async fn registration_checks_its_body_and_its_session() {
    each_backend(|backend| async move {
        let server = open_server(backend).await;
        let response = crate::harness::client()
            .post(server.url(REGISTER))
            .body("{not json")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 400);
        let body: Value = response.json().await.expect("JSON error");
        assert_eq!(body["errcode"], "M_NOT_JSON");
        let (status, body) = post(&server, REGISTER, &json!({"username": 5})).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_BAD_JSON"))
        );
        let auth = json!({"type": "m.login.dummy", "session": "no-such-session"});
        let (status, body) = post(
            &server,
            REGISTER,
            &json!({"username": "f", "password": "p", "auth": auth}),
        )
        .await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_UNKNOWN")),
            "{body}"
        );
        let body = json!({"username": "frank", "auth": {"type": "m.login.dummy"}});
        let (status, body) = post(&server, REGISTER, &body).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_MISSING_PARAM")),
            "{body}"
        );
        let path = format!("{REGISTER}?kind=guest");
        let (status, body) = request(&server, Method::POST, &path, None, Some(&json!({}))).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_GUEST_ACCESS_FORBIDDEN"))
        );
    })
    .await;
}

#[tokio::test]
async fn registration_tokens_are_required_when_configured() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options {
            registration_tokens: vec!["invite-1".to_owned()],
            ..Options::open_registration(backend)
        })
        .await;
        let (status, body) = get_json(&server.url(&format!("{VALIDITY}?token=invite-1"))).await;
        assert_eq!((status, body), (200, json!({"valid": true})));
        let (status, body) = get_json(&server.url(&format!("{VALIDITY}?token=nope"))).await;
        assert_eq!((status, body), (200, json!({"valid": false})));

        let request_body =
            |auth: Value| json!({"username": "gina", "password": "pw", "auth": auth});
        let (status, body) = post(
            &server,
            REGISTER,
            &json!({"username": "gina", "password": "pw"}),
        )
        .await;
        assert_eq!(status, 401);
        assert_eq!(
            body["flows"],
            json!([{"stages": ["m.login.registration_token"]}])
        );
        let session = body["session"].clone();
        // The dummy stage is not on offer.
        let (status, body) = post(
            &server,
            REGISTER,
            &request_body(json!({"type": "m.login.dummy", "session": session})),
        )
        .await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_FORBIDDEN")),
            "{body}"
        );
        let wrong =
            json!({"type": "m.login.registration_token", "token": "nope", "session": session});
        let (status, body) = post(&server, REGISTER, &request_body(wrong)).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_UNAUTHORIZED")),
            "{body}"
        );
        assert_eq!(body["session"], session);
        let right =
            json!({"type": "m.login.registration_token", "token": "invite-1", "session": session});
        let (status, body) = post(&server, REGISTER, &request_body(right.clone())).await;
        assert_eq!(status, 200, "{body}");
        // The completed session cannot be used again.
        let body = json!({"username": "gina2", "password": "pw", "auth": right});
        let (status, _) = post(&server, REGISTER, &body).await;
        assert_eq!(status, 400);
    })
    .await;
}

#[tokio::test]
async fn token_validity_is_forbidden_without_registration_tokens() {
    let server = TestServer::start_with(Options::open_registration(Backend::Sqlite)).await;
    let (status, body) = get_json(&server.url(&format!("{VALIDITY}?token=x"))).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN"))
    );
}

fn shared_secret_mac(secret: &str, nonce: &str, user: &str, password: &str, admin: bool) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("key");
    let role = if admin { "admin" } else { "notadmin" };
    mac.update(format!("{nonce}\0{user}\0{password}\0{role}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn nonce(server: &TestServer) -> String {
    let (status, body) = get_json(&server.url(ADMIN_REGISTER)).await;
    assert_eq!(status, 200, "{body}");
    body["nonce"].as_str().expect("nonce").to_owned()
}

#[tokio::test]
async fn shared_secret_registration_creates_users_with_synapses_hmac() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options {
            backend,
            registration_shared_secret: Some("s3cret".to_owned()),
            ..Options::default()
        })
        .await;
        let nonce_1 = nonce(&server).await;
        let mac = shared_secret_mac("s3cret", &nonce_1, "Admin", "pw", true);
        let body = json!({"nonce": nonce_1, "username": "Admin", "password": "pw", "admin": true, "mac": mac});
        let (status, response) = post(&server, ADMIN_REGISTER, &body).await;
        assert_eq!(status, 200, "{response}");
        assert_eq!(response["user_id"], format!("@admin:{}", server.server_name));
        let (status, _) = whoami(&server, response["access_token"].as_str().expect("token")).await;
        assert_eq!(status, 200);
        // A nonce is single use.
        let (status, response) = post(&server, ADMIN_REGISTER, &body).await;
        assert_eq!((status, response["error"].as_str()), (400, Some("unrecognised nonce")));
        // A MAC that does not cover the admin flag fails.
        let nonce_2 = nonce(&server).await;
        let mac = shared_secret_mac("s3cret", &nonce_2, "mallory", "pw", false);
        let body = json!({"nonce": nonce_2, "username": "mallory", "password": "pw", "admin": true, "mac": mac});
        let (status, response) = post(&server, ADMIN_REGISTER, &body).await;
        assert_eq!((status, response["errcode"].as_str()), (403, Some("M_FORBIDDEN")));
        crate::harness::login(&server, "admin", "pw").await;
    })
    .await;
}

#[tokio::test]
async fn shared_secret_registration_is_off_without_a_secret() {
    let server = TestServer::start().await;
    let (status, body) = get_json(&server.url(ADMIN_REGISTER)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "Shared secret registration is not enabled");
    let body = json!({"nonce": "n", "username": "u", "password": "p", "mac": "00"});
    let (status, _) = post(&server, ADMIN_REGISTER, &body).await;
    assert_eq!(status, 400);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Synapse's own `register_new_matrix_user` script against our shared-secret API. Runs when
/// `CONCORD_REGISTER_NEW_MATRIX_USER` names the script (from a `matrix-synapse` virtualenv);
/// skipped otherwise.
#[tokio::test]
async fn synapses_register_new_matrix_user_script_creates_users() {
    let Ok(script) = std::env::var("CONCORD_REGISTER_NEW_MATRIX_USER") else {
        eprintln!("skipping: set CONCORD_REGISTER_NEW_MATRIX_USER to Synapse's script");
        return;
    };
    let server = TestServer::start_with(Options {
        registration_shared_secret: Some("script-secret".to_owned()),
        ..Options::default()
    })
    .await;
    let run = |user: &'static str, admin: &'static str, secret: &'static str| {
        let (script, url) = (script.clone(), server.base_url.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(script)
                .args(["-u", user, "-p", "pw", admin, "-k", secret, &url])
                .output()
                .expect("run register_new_matrix_user")
        })
    };
    let output = run("ScriptAdmin", "-a", "script-secret")
        .await
        .expect("join");
    assert!(output.status.success(), "{output:?}");
    crate::harness::login(&server, "scriptadmin", "pw").await;
    let output = run("other", "--no-admin", "wrong-secret")
        .await
        .expect("join");
    assert!(!output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("HMAC incorrect"),
        "{output:?}"
    );
}
