//! The basics every client checks first: `/versions`, `/health`, `.well-known`, Matrix errors
//! for unknown endpoints and methods, CORS.

use serde_json::json;

use crate::harness::{client, get_json, Options, TestServer};

#[tokio::test]
async fn versions_lists_the_supported_spec_versions() {
    let server = TestServer::start().await;
    let (status, body) = get_json(&server.url("/_matrix/client/versions")).await;
    assert_eq!(status, 200);
    let versions = body["versions"].as_array().expect("versions array");
    assert!(versions.contains(&json!("v1.1")), "{body}");
    for version in versions {
        let version = version.as_str().expect("string version");
        let stable = version.strip_prefix('v').is_some_and(|v| {
            v.split('.').count() == 2 && v.split('.').all(|n| n.parse::<u32>().is_ok())
        });
        let legacy = version.strip_prefix('r').is_some_and(|v| {
            v.split('.').count() == 3 && v.split('.').all(|n| n.parse::<u32>().is_ok())
        });
        assert!(stable || legacy, "{version} is neither vX.Y nor rX.Y.Z");
    }
    assert!(body["unstable_features"].is_object(), "{body}");
}

#[tokio::test]
async fn the_health_check_answers_ok() {
    let server = TestServer::start().await;
    let response = client()
        .get(server.url("/health"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.expect("body"), "OK");
}

#[tokio::test]
async fn an_unknown_endpoint_answers_404_m_unrecognized() {
    let server = TestServer::start().await;
    for path in ["/_matrix/client/v3/no_such_thing", "/nothing/here", "/"] {
        let (status, body) = get_json(&server.url(path)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            body,
            json!({"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_known_endpoint_called_with_the_wrong_method_answers_405_m_unrecognized() {
    let server = TestServer::start().await;
    for path in [
        "/_matrix/client/versions",
        "/_matrix/key/v2/server",
        "/health",
    ] {
        let response = client()
            .post(server.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 405, "{path}");
        let body: serde_json::Value = response.json().await.expect("JSON body");
        assert_eq!(body["errcode"], "M_UNRECOGNIZED", "{path}");
    }
}

#[tokio::test]
async fn well_known_documents_answer_404_m_not_found_when_not_configured() {
    let server = TestServer::start().await;
    for path in ["/.well-known/matrix/server", "/.well-known/matrix/client"] {
        let (status, body) = get_json(&server.url(path)).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["errcode"], "M_NOT_FOUND", "{path}");
    }
}

#[tokio::test]
async fn well_known_documents_carry_the_configured_delegation() {
    let server = TestServer::start_with(Options {
        well_known_server: Some("matrix.example.org:443".to_owned()),
        well_known_client: Some("https://matrix.example.org".to_owned()),
        ..Options::default()
    })
    .await;
    let (status, body) = get_json(&server.url("/.well-known/matrix/server")).await;
    assert_eq!(
        (status, body),
        (200, json!({"m.server": "matrix.example.org:443"}))
    );
    let (status, body) = get_json(&server.url("/.well-known/matrix/client")).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"m.homeserver": {"base_url": "https://matrix.example.org"}})
        )
    );
}

#[tokio::test]
async fn browsers_get_cors_headers_on_preflight_and_on_responses() {
    let server = TestServer::start().await;
    let preflight = client()
        .request(
            reqwest::Method::OPTIONS,
            server.url("/_matrix/client/versions"),
        )
        .header("Origin", "https://app.example.org")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .expect("request");
    assert_eq!(preflight.status().as_u16(), 200);
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    let methods = headers["access-control-allow-methods"]
        .to_str()
        .unwrap_or_default();
    assert!(
        methods.contains("PUT") && methods.contains("DELETE"),
        "{methods}"
    );
    let response = client()
        .get(server.url("/_matrix/client/versions"))
        .header("Origin", "https://app.example.org")
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_cors_headers(response.headers());
}

/// The spec's recommended headers, all three (client-server § "Web Browser Clients").
fn assert_cors_headers(headers: &reqwest::header::HeaderMap) {
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(
        headers["access-control-allow-methods"],
        "GET, POST, PUT, DELETE, OPTIONS"
    );
    assert_eq!(
        headers["access-control-allow-headers"],
        "X-Requested-With, Content-Type, Authorization"
    );
}

#[tokio::test]
async fn options_is_answered_without_running_the_endpoint_and_errors_carry_cors_headers() {
    let server = TestServer::start().await;
    // A plain OPTIONS (no pre-flight headers) to an endpoint that needs a token, to one that
    // only takes PUT, and to an unknown path: 200 `{}` with the headers, no endpoint logic.
    for path in [
        "/_matrix/client/v3/account/whoami",
        "/_matrix/client/v3/rooms/!r:x/send/m.room.message/t1",
        "/_matrix/client/v3/no/such/endpoint",
    ] {
        let response = client()
            .request(reqwest::Method::OPTIONS, server.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_cors_headers(response.headers());
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body, json!({}), "{path}");
    }
    // Error responses carry them too.
    let missing_token = client()
        .get(server.url("/_matrix/client/v3/account/whoami"))
        .send()
        .await
        .expect("request");
    assert_eq!(missing_token.status().as_u16(), 401);
    assert_cors_headers(missing_token.headers());
    let unknown = client()
        .get(server.url("/_matrix/client/v3/no/such/endpoint"))
        .send()
        .await
        .expect("request");
    assert_eq!(unknown.status().as_u16(), 404);
    assert_cors_headers(unknown.headers());
}
