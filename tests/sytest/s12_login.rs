//! Sessions and accounts: `/login`, access tokens, `/refresh`, `/logout`, `/logout/all`,
//! `/account/whoami`, `/account/password`, `/account/deactivate`.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{
    client, each_backend, get_json, login, password_auth, password_login, post, register, request,
    whoami, Backend, Options, TestServer,
};

const LOGIN: &str = "/_matrix/client/v3/login";

async fn server_with_alice(backend: Backend) -> TestServer {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    register(&server, "alice", "wonderland").await;
    server
}

#[tokio::test]
async fn get_login_lists_the_password_login_type() {
    let server = TestServer::start().await;
    for path in [LOGIN, "/_matrix/client/r0/login"] {
        let (status, body) = get_json(&server.url(path)).await;
        assert_eq!(
            (status, body),
            (200, json!({"flows": [{"type": "m.login.password"}]}))
        );
    }
}

#[tokio::test]
async fn a_user_can_log_in_with_a_localpart_a_user_id_or_the_legacy_user_field() {
    each_backend(|backend| async move {
        let server = server_with_alice(backend).await;
        let user_id = format!("@alice:{}", server.server_name);
        let legacy = json!({"type": "m.login.password", "user": "alice", "password": "wonderland"});
        let bodies = [
            password_login("alice", "wonderland"),
            password_login(&user_id, "wonderland"),
            password_login("ALICE", "wonderland"),
            legacy,
        ];
        let mut devices = Vec::new();
        for body in bodies {
            let (status, response) = post(&server, LOGIN, &body).await;
            assert_eq!(status, 200, "{body}: {response}");
            assert_eq!(response["user_id"], user_id);
            assert_eq!(response["home_server"], server.server_name);
            assert!(
                response.get("well_known").is_none() && response.get("refresh_token").is_none()
            );
            let token = response["access_token"].as_str().expect("token");
            let (status, me) = whoami(&server, token).await;
            assert_eq!((status, &me["user_id"]), (200, &json!(user_id)));
            assert_eq!(me["device_id"], response["device_id"]);
            devices.push(response["device_id"].clone());
        }
        devices.dedup();
        assert_eq!(
            devices.len(),
            4,
            "each login gets its own device: {devices:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn login_reuses_a_given_device_id_and_keeps_its_name() {
    each_backend(|backend| async move {
        let server = server_with_alice(backend).await;
        let mut body = password_login("alice", "wonderland");
        body["device_id"] = json!("LAPTOP");
        body["initial_device_display_name"] = json!("First name");
        let first = login_with(&server, &body).await;
        body["initial_device_display_name"] = json!("Ignored");
        let second = login_with(&server, &body).await;
        assert_eq!(
            (first["device_id"].as_str(), second["device_id"].as_str()),
            (Some("LAPTOP"), Some("LAPTOP"))
        );
        let token = second["access_token"].as_str().expect("token");
        let (status, devices) = request(
            &server,
            Method::GET,
            "/_matrix/client/v3/devices",
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let laptop: Vec<&Value> = devices["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .filter(|d| d["device_id"] == "LAPTOP")
            .collect();
        assert_eq!(laptop.len(), 1, "{devices}");
        assert_eq!(laptop[0]["display_name"], "First name");
    })
    .await;
}

async fn login_with(server: &TestServer, body: &Value) -> Value {
    let (status, response) = post(server, LOGIN, body).await;
    assert_eq!(status, 200, "{response}");
    response
}

#[tokio::test]
async fn failed_logins_answer_the_spec_error_codes() {
    each_backend(|backend| async move {
        let server = server_with_alice(backend).await;
        let cases = [
            (password_login("alice", "wrong"), 403, "M_FORBIDDEN"),
            (password_login("nobody", "wonderland"), 403, "M_FORBIDDEN"),
            (password_login("@alice:elsewhere.example", "wonderland"), 403, "M_FORBIDDEN"),
            (json!({"type": "m.login.token", "token": "x"}), 400, "M_UNKNOWN"),
            (json!({"type": "m.login.password", "user": "alice"}), 400, "M_MISSING_PARAM"),
            (json!({"type": "m.login.password", "password": "wonderland"}), 400, "M_MISSING_PARAM"),
            (json!({"type": "m.login.password", "password": "p", "identifier": {"type": "m.id.thirdparty", "medium": "email", "address": "a@b.c"}}), 403, "M_FORBIDDEN"),
            (json!({"type": "m.login.password", "password": "p", "identifier": {"type": "x.unknown"}}), 400, "M_UNKNOWN"),
            (json!({"password": "p"}), 400, "M_BAD_JSON"),
            (json!({"type": "m.login.password", "user": "alice", "password": "wonderland", "device_id": ""}), 400, "M_INVALID_PARAM"),
        ];
        for (body, expected_status, errcode) in cases {
            let (status, response) = post(&server, LOGIN, &body).await;
            assert_eq!((status, response["errcode"].as_str()), (expected_status, Some(errcode)), "{body}: {response}");
        }
        let response = client().post(server.url(LOGIN)).body("not json").send().await.expect("request");
        assert_eq!(response.status().as_u16(), 400);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["errcode"], "M_NOT_JSON");
    })
    .await;
}

#[tokio::test]
async fn login_includes_well_known_when_configured() {
    let server = TestServer::start_with(Options {
        well_known_client: Some("https://matrix.example.org".to_owned()),
        ..Options::open_registration(Backend::Sqlite)
    })
    .await;
    register(&server, "alice", "wonderland").await;
    let response = login_with(&server, &password_login("alice", "wonderland")).await;
    assert_eq!(
        response["well_known"],
        json!({"m.homeserver": {"base_url": "https://matrix.example.org"}})
    );
}

#[tokio::test]
async fn access_tokens_are_checked_before_the_handler_runs() {
    each_backend(|backend| async move {
        let server = server_with_alice(backend).await;
        let alice = login(&server, "alice", "wonderland").await;
        let whoami_path = "/_matrix/client/v3/account/whoami";
        let (status, body) = get_json(&server.url(whoami_path)).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_MISSING_TOKEN"))
        );
        let (status, body) = whoami(&server, "cat_not-a-token").await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_UNKNOWN_TOKEN"))
        );
        assert_eq!(body["soft_logout"], false);
        // The deprecated query parameter works; mixing it with the header does not.
        let url = server.url(&format!(
            "{whoami_path}?access_token={}",
            alice.access_token
        ));
        let (status, body) = get_json(&url).await;
        assert_eq!((status, &body["user_id"]), (200, &json!(alice.user_id)));
        let response = client()
            .get(&url)
            .bearer_auth(&alice.access_token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 401);
        // The r0 path is the same endpoint.
        let (status, _) = request(
            &server,
            Method::GET,
            "/_matrix/client/r0/account/whoami",
            Some(&alice.access_token),
            None,
        )
        .await;
        assert_eq!(status, 200);
    })
    .await;
}

#[tokio::test]
async fn logout_invalidates_the_token_and_deletes_its_device() {
    each_backend(|backend| async move {
        let server = server_with_alice(backend).await;
        let phone = login(&server, "alice", "wonderland").await;
        let laptop = login(&server, "alice", "wonderland").await;
        let (status, body) = request(
            &server,
            Method::POST,
            "/_matrix/client/v3/logout",
            Some(&phone.access_token),
            None,
        )
        .await;
        assert_eq!((status, body), (200, json!({})));
        let (status, body) = whoami(&server, &phone.access_token).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_UNKNOWN_TOKEN"))
        );
        let path = format!("/_matrix/client/v3/devices/{}", phone.device_id);
        let (status, _) = request(
            &server,
            Method::GET,
            &path,
            Some(&laptop.access_token),
            None,
        )
        .await;
        assert_eq!(status, 404, "the device went with the token");
        assert_eq!(whoami(&server, &laptop.access_token).await.0, 200);
    })
    .await;
}

#[tokio::test]
async fn logout_all_invalidates_every_token_of_the_user() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let sessions = [
            login(&server, "alice", "wonderland").await,
            login(&server, "alice", "wonderland").await,
        ];
        let (status, _) = request(
            &server,
            Method::POST,
            "/_matrix/client/v3/logout/all",
            Some(&sessions[0].access_token),
            None,
        )
        .await;
        assert_eq!(status, 200);
        for session in &sessions {
            assert_eq!(whoami(&server, &session.access_token).await.0, 401);
        }
        assert_eq!(
            whoami(&server, &bob.access_token).await.0,
            200,
            "other users stay logged in"
        );
        let alice = login(&server, "alice", "wonderland").await;
        let (_, devices) = request(
            &server,
            Method::GET,
            "/_matrix/client/v3/devices",
            Some(&alice.access_token),
            None,
        )
        .await;
        assert_eq!(
            devices["devices"].as_array().map(Vec::len),
            Some(1),
            "{devices}"
        );
    })
    .await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_expired_access_tokens_are_soft_logged_out() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options {
            refreshable_access_token_lifetime_ms: Some(1_500),
            ..Options::open_registration(backend)
        })
        .await;
        register(&server, "alice", "wonderland").await;
        let mut body = password_login("alice", "wonderland");
        body["refresh_token"] = json!(true);
        let first = login_with(&server, &body).await;
        assert_eq!(first["expires_in_ms"], 1_500);
        let (access_0, refresh_0) = (
            first["access_token"].as_str().expect("a0"),
            first["refresh_token"].as_str().expect("r0"),
        );

        let refresh = |token: &str| json!({"refresh_token": token});
        let (status, second) =
            post(&server, "/_matrix/client/v3/refresh", &refresh(refresh_0)).await;
        assert_eq!(status, 200, "{second}");
        assert_eq!(second["expires_in_ms"], 1_500);
        let (access_1, refresh_1) = (
            second["access_token"].as_str().expect("a1"),
            second["refresh_token"].as_str().expect("r1"),
        );
        assert_ne!(refresh_1, refresh_0);
        // The old pair works until the new access token is used.
        assert_eq!(whoami(&server, access_0).await.0, 200);
        let (status, me) = whoami(&server, access_1).await;
        assert_eq!(
            (status, &me["device_id"]),
            (200, &first["device_id"]),
            "same device"
        );
        assert_eq!(
            whoami(&server, access_0).await.0,
            401,
            "the old access token is retired"
        );
        let (status, body) = post(&server, "/_matrix/client/v3/refresh", &refresh(refresh_0)).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_UNKNOWN_TOKEN")),
            "{body}"
        );

        tokio::time::sleep(Duration::from_millis(1_700)).await;
        let (status, body) = whoami(&server, access_1).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_UNKNOWN_TOKEN"))
        );
        assert_eq!(
            body["soft_logout"], true,
            "an expired refreshable token is a soft logout"
        );
        let (status, third) =
            post(&server, "/_matrix/client/v3/refresh", &refresh(refresh_1)).await;
        assert_eq!(status, 200, "{third}");
        assert_eq!(
            whoami(&server, third["access_token"].as_str().expect("a2"))
                .await
                .0,
            200
        );
        let (status, _) = post(&server, "/_matrix/client/v3/refresh", &json!({})).await;
        assert_eq!(status, 400);
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_needs_the_old_one_and_logs_out_other_devices() {
    each_backend(|backend| async move {
        let server = server_with_alice(backend).await;
        let current = login(&server, "alice", "wonderland").await;
        let other = login(&server, "alice", "wonderland").await;
        let path = "/_matrix/client/v3/account/password";
        let token = Some(current.access_token.as_str());
        let (status, body) = request(&server, Method::POST, path, token, Some(&json!({"new_password": "looking-glass"}))).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["flows"], json!([{"stages": ["m.login.password"]}]));
        let session = body["session"].as_str().expect("session").to_owned();
        let wrong = json!({"new_password": "looking-glass", "auth": password_auth(&current.user_id, "wrong", Some(&session))});
        let (status, body) = request(&server, Method::POST, path, token, Some(&wrong)).await;
        assert_eq!((status, body["errcode"].as_str()), (401, Some("M_FORBIDDEN")), "{body}");
        assert_eq!(body["session"], session.as_str());
        let right = json!({"new_password": "looking-glass", "auth": password_auth("alice", "wonderland", Some(&session))});
        let (status, body) = request(&server, Method::POST, path, token, Some(&right)).await;
        assert_eq!((status, body), (200, json!({})));
        assert_eq!(whoami(&server, &current.access_token).await.0, 200, "the caller stays logged in");
        assert_eq!(whoami(&server, &other.access_token).await.0, 401, "other devices are logged out");
        let (status, _) = post(&server, LOGIN, &password_login("alice", "wonderland")).await;
        assert_eq!(status, 403);
        let latest = login(&server, "alice", "looking-glass").await;
        // logout_devices: false keeps the other sessions.
        let keep = json!({"new_password": "again", "logout_devices": false, "auth": password_auth("alice", "looking-glass", None)});
        let (status, _) = request(&server, Method::POST, path, token, Some(&keep)).await;
        assert_eq!(status, 200);
        assert_eq!(whoami(&server, &latest.access_token).await.0, 200);
        let (status, body) = request(&server, Method::POST, path, token, Some(&json!({"auth": {}}))).await;
        assert_eq!((status, body["errcode"].as_str()), (400, Some("M_BAD_JSON")));
    })
    .await;
}

#[tokio::test]
async fn uia_refuses_another_users_password_and_a_session_opened_for_another_request() {
    each_backend(|backend| async move {
        let server = server_with_alice(backend).await;
        register(&server, "bob", "builder").await;
        let alice = login(&server, "alice", "wonderland").await;
        let token = Some(alice.access_token.as_str());
        let path = "/_matrix/client/v3/account/password";
        let bobs = json!({"new_password": "x", "auth": password_auth("bob", "builder", None)});
        let (status, body) = request(&server, Method::POST, path, token, Some(&bobs)).await;
        assert_eq!((status, body["errcode"].as_str()), (403, Some("M_FORBIDDEN")), "{body}");
        let (_, body) = request(&server, Method::POST, "/_matrix/client/v3/account/deactivate", token, Some(&json!({}))).await;
        let session = body["session"].as_str().expect("session");
        let moved = json!({"new_password": "x", "auth": password_auth("alice", "wonderland", Some(session))});
        let (status, body) = request(&server, Method::POST, path, token, Some(&moved)).await;
        assert_eq!((status, body["errcode"].as_str()), (403, Some("M_FORBIDDEN")), "{body}");
        assert_eq!(whoami(&server, &alice.access_token).await.0, 200);
    })
    .await;
}

#[tokio::test]
async fn a_deactivated_account_loses_its_tokens_and_cannot_log_in() {
    each_backend(|backend| async move {
        let server = server_with_alice(backend).await;
        let alice = login(&server, "alice", "wonderland").await;
        let other = login(&server, "alice", "wonderland").await;
        let path = "/_matrix/client/v3/account/deactivate";
        let body = json!({"auth": password_auth("alice", "wonderland", None), "erase": false});
        let (status, body) = request(
            &server,
            Method::POST,
            path,
            Some(&alice.access_token),
            Some(&body),
        )
        .await;
        assert_eq!(
            (status, body),
            (200, json!({"id_server_unbind_result": "success"}))
        );
        for token in [&alice.access_token, &other.access_token] {
            assert_eq!(whoami(&server, token).await.0, 401);
        }
        let (status, body) = post(&server, LOGIN, &password_login("alice", "wonderland")).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_USER_DEACTIVATED"))
        );
        let (status, body) =
            get_json(&server.url("/_matrix/client/v3/register/available?username=alice")).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_USER_IN_USE")),
            "ids are never reused"
        );
    })
    .await;
}
