//! Device management (`/devices`, `/devices/{deviceId}`, `/delete_devices`) and
//! `/capabilities`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{
    client, each_backend, login, password_auth, register, request, whoami, Backend, Options,
    Session, TestServer,
};

const DEVICES: &str = "/_matrix/client/v3/devices";

async fn server_with_alice(backend: Backend) -> (TestServer, Session) {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    let alice = register(&server, "alice", "wonderland").await;
    (server, alice)
}

async fn get(server: &TestServer, path: &str, session: &Session) -> (u16, Value) {
    request(server, Method::GET, path, Some(&session.access_token), None).await
}

fn device_path(device_id: &str) -> String {
    format!("{DEVICES}/{device_id}")
}

#[tokio::test]
async fn the_device_list_shows_every_login_with_its_last_use() {
    each_backend(|backend| async move {
        let (server, alice) = server_with_alice(backend).await;
        let phone = login(&server, "alice", "wonderland").await;
        let (status, body) = get(&server, DEVICES, &phone).await;
        assert_eq!(status, 200, "{body}");
        let mut ids: Vec<&str> = body["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .filter_map(|d| d["device_id"].as_str())
            .collect();
        ids.sort_unstable();
        let mut expected = vec![alice.device_id.as_str(), phone.device_id.as_str()];
        expected.sort_unstable();
        assert_eq!(ids, expected);
        let (status, device) = get(&server, &device_path(&phone.device_id), &phone).await;
        assert_eq!(status, 200, "{device}");
        assert_eq!(device["device_id"], phone.device_id.as_str());
        assert!(
            device["last_seen_ts"].as_i64().is_some_and(|ts| ts > 0),
            "{device}"
        );
        assert_eq!(device["last_seen_ip"], "127.0.0.1", "{device}");
        assert!(
            device.get("display_name").is_none(),
            "absent when unset: {device}"
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_and_other_users_devices_are_404() {
    each_backend(|backend| async move {
        let (server, alice) = server_with_alice(backend).await;
        let bob = register(&server, "bob", "builder").await;
        for path in [device_path("NOSUCHDEVICE"), device_path(&bob.device_id)] {
            let (status, body) = get(&server, &path, &alice).await;
            assert_eq!(
                (status, body["errcode"].as_str()),
                (404, Some("M_NOT_FOUND")),
                "{path}"
            );
            let rename = json!({"display_name": "mine now"});
            let (status, _) = request(
                &server,
                Method::PUT,
                &path,
                Some(&alice.access_token),
                Some(&rename),
            )
            .await;
            assert_eq!(status, 404, "{path}");
        }
        let (status, body) = request(&server, Method::GET, DEVICES, None, None).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_MISSING_TOKEN"))
        );
    })
    .await;
}

#[tokio::test]
async fn a_device_can_be_renamed() {
    each_backend(|backend| async move {
        let (server, alice) = server_with_alice(backend).await;
        let path = device_path(&alice.device_id);
        let token = Some(alice.access_token.as_str());
        let (status, body) = request(
            &server,
            Method::PUT,
            &path,
            token,
            Some(&json!({"display_name": "Kitchen tablet"})),
        )
        .await;
        assert_eq!((status, body), (200, json!({})));
        let (_, device) = get(&server, &path, &alice).await;
        assert_eq!(device["display_name"], "Kitchen tablet");
        let (status, _) = request(&server, Method::PUT, &path, token, Some(&json!({}))).await;
        assert_eq!(status, 200, "no name leaves it unchanged");
        let (_, device) = get(&server, &path, &alice).await;
        assert_eq!(device["display_name"], "Kitchen tablet");
        let long = json!({"display_name": "x".repeat(101)});
        let (status, body) = request(&server, Method::PUT, &path, token, Some(&long)).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_TOO_LARGE"))
        );
        let (status, body) = request(
            &server,
            Method::PUT,
            &path,
            token,
            Some(&json!({"display_name": 7})),
        )
        .await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_BAD_JSON"))
        );
    })
    .await;
}

#[tokio::test]
async fn deleting_a_device_needs_the_password_and_logs_it_out() {
    each_backend(|backend| async move {
        let (server, alice) = server_with_alice(backend).await;
        let phone = login(&server, "alice", "wonderland").await;
        let path = device_path(&phone.device_id);
        let token = Some(alice.access_token.as_str());
        // No body at all is accepted as `{}` and asks for authentication.
        let response = client()
            .delete(server.url(&path))
            .bearer_auth(&alice.access_token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 401);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["flows"], json!([{"stages": ["m.login.password"]}]));
        let session = body["session"].as_str().expect("session").to_owned();
        let wrong = json!({"auth": password_auth(&alice.user_id, "nope", Some(&session))});
        let (status, body) = request(&server, Method::DELETE, &path, token, Some(&wrong)).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_FORBIDDEN"))
        );
        assert_eq!(whoami(&server, &phone.access_token).await.0, 200);
        let right = json!({"auth": password_auth(&alice.user_id, "wonderland", Some(&session))});
        let (status, body) = request(&server, Method::DELETE, &path, token, Some(&right)).await;
        assert_eq!((status, body), (200, json!({})));
        assert_eq!(whoami(&server, &phone.access_token).await.0, 401);
        assert_eq!(get(&server, &path, &alice).await.0, 404);
        // A device that is already gone counts as deleted.
        let again = json!({"auth": password_auth("alice", "wonderland", None)});
        let (status, _) = request(&server, Method::DELETE, &path, token, Some(&again)).await;
        assert_eq!(status, 200);
    })
    .await;
}

#[tokio::test]
async fn delete_devices_removes_several_devices_with_one_authentication() {
    each_backend(|backend| async move {
        let (server, alice) = server_with_alice(backend).await;
        let phone = login(&server, "alice", "wonderland").await;
        let laptop = login(&server, "alice", "wonderland").await;
        let path = "/_matrix/client/v3/delete_devices";
        let token = Some(alice.access_token.as_str());
        let devices = json!([phone.device_id, laptop.device_id]);
        let (status, body) = request(&server, Method::POST, path, token, Some(&json!({"devices": devices}))).await;
        assert_eq!(status, 401, "{body}");
        let session = body["session"].as_str().expect("session").to_owned();
        // The session is bound to this list: it cannot delete another device.
        let other = json!({"devices": [alice.device_id], "auth": password_auth("alice", "wonderland", Some(&session))});
        let (status, body) = request(&server, Method::POST, path, token, Some(&other)).await;
        assert_eq!((status, body["errcode"].as_str()), (403, Some("M_FORBIDDEN")), "{body}");
        let body = json!({"devices": devices, "auth": password_auth("alice", "wonderland", Some(&session))});
        let (status, body) = request(&server, Method::POST, path, token, Some(&body)).await;
        assert_eq!((status, body), (200, json!({})));
        for session in [&phone, &laptop] {
            assert_eq!(whoami(&server, &session.access_token).await.0, 401);
        }
        let (_, list) = get(&server, DEVICES, &alice).await;
        assert_eq!(list["devices"].as_array().map(Vec::len), Some(1), "{list}");
        let (status, body) = request(&server, Method::POST, path, token, Some(&json!({}))).await;
        assert_eq!((status, body["errcode"].as_str()), (400, Some("M_BAD_JSON")));
    })
    .await;
}

#[tokio::test]
async fn capabilities_advertise_password_changes_and_room_versions() {
    each_backend(|backend| async move {
        let (server, alice) = server_with_alice(backend).await;
        for path in [
            "/_matrix/client/v3/capabilities",
            "/_matrix/client/r0/capabilities",
        ] {
            let (status, body) = get(&server, path, &alice).await;
            assert_eq!(status, 200, "{body}");
            let capabilities = &body["capabilities"];
            assert_eq!(capabilities["m.change_password"], json!({"enabled": true}));
            let versions = &capabilities["m.room_versions"];
            assert_eq!(versions["default"], "10");
            for version in 1..=12 {
                assert_eq!(
                    versions["available"][version.to_string()],
                    "stable",
                    "{versions}"
                );
            }
            assert_eq!(capabilities["m.set_displayname"], json!({"enabled": true}));
        }
        let (status, _) = request(
            &server,
            Method::GET,
            "/_matrix/client/v3/capabilities",
            None,
            None,
        )
        .await;
        assert_eq!(status, 401);
    })
    .await;
}
