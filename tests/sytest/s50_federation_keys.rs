//! Federation transport between two Concord servers over HTTPS on loopback (test CA): key
//! publication, the notary API relaying another server's keys (fetched over TLS, checked and
//! cached), and `/_matrix/federation/v1/version`.

use serde_json::{json, Value};
use state_res::signing::{decode_public_key, verify_json};

use crate::harness::tls::tls_client;
use crate::harness::{Options, TestServer};

async fn tls_server() -> TestServer {
    TestServer::start_with(Options {
        tls: true,
        ..Options::default()
    })
    .await
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    let response = tls_client()
        .get(server.url(path))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The server's current key id and public key, from its own key document.
async fn own_key(server: &TestServer) -> (String, String) {
    let (status, document) = get(server, "/_matrix/key/v2/server").await;
    assert_eq!(status, 200, "{document}");
    let (key_id, key) = document["verify_keys"]
        .as_object()
        .and_then(|keys| keys.iter().next())
        .map(|(id, k)| (id.clone(), k["key"].as_str().unwrap_or_default().to_owned()))
        .expect("a verify key");
    (key_id, key)
}

fn assert_signed_by(response: &Value, server: &TestServer, key_id: &str, public_key: &str) {
    let object = response.as_object().expect("object");
    let key = decode_public_key(public_key).expect("public key");
    verify_json(object, &server.server_name, key_id, &key)
        .unwrap_or_else(|e| panic!("not signed by {}: {e}\n{response}", server.server_name));
}

#[tokio::test]
async fn a_notary_relays_another_servers_keys_signed_by_both() {
    let notary = tls_server().await;
    let remote = tls_server().await;
    let (remote_key_id, remote_key) = own_key(&remote).await;
    let (notary_key_id, notary_key) = own_key(&notary).await;

    let path = format!("/_matrix/key/v2/query/{}", remote.server_name);
    let (status, body) = get(&notary, &path).await;
    assert_eq!(status, 200, "{body}");
    let responses = body["server_keys"].as_array().expect("server_keys");
    assert_eq!(responses.len(), 1, "{body}");
    let relayed = &responses[0];
    assert_eq!(relayed["server_name"], json!(remote.server_name));
    assert_eq!(
        relayed["verify_keys"][&remote_key_id]["key"],
        json!(remote_key)
    );
    assert_signed_by(relayed, &remote, &remote_key_id, &remote_key);
    assert_signed_by(relayed, &notary, &notary_key_id, &notary_key);

    // POST form, naming the remote and the notary itself.
    let query = json!({"server_keys": {
        remote.server_name.clone(): {remote_key_id.clone(): {"minimum_valid_until_ts": 0}},
        notary.server_name.clone(): {},
    }});
    let response = tls_client()
        .post(notary.url("/_matrix/key/v2/query"))
        .json(&query)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("json");
    let names: Vec<&str> = body["server_keys"]
        .as_array()
        .expect("server_keys")
        .iter()
        .filter_map(|r| r["server_name"].as_str())
        .collect();
    assert!(names.contains(&remote.server_name.as_str()), "{body}");
    assert!(names.contains(&notary.server_name.as_str()), "{body}");
}

#[tokio::test]
async fn a_notary_answers_from_its_cache_when_the_server_is_gone() {
    let notary = tls_server().await;
    let remote = tls_server().await;
    let name = remote.server_name.clone();
    let path = format!("/_matrix/key/v2/query/{name}");
    let (status, first) = get(&notary, &path).await;
    assert_eq!(status, 200, "{first}");
    drop(remote);
    // A minimum validity far in the future forces a refetch, which fails: the cache answers.
    let (status, cached) = get(
        &notary,
        &format!("{path}?minimum_valid_until_ts=99999999999999"),
    )
    .await;
    assert_eq!(status, 200, "{cached}");
    assert_eq!(
        cached["server_keys"][0]["server_name"],
        json!(name),
        "{cached}"
    );
}

#[tokio::test]
async fn unknown_or_unreachable_servers_are_left_out() {
    let notary = tls_server().await;
    // Nothing listens on port 1 of loopback.
    let (status, body) = get(&notary, "/_matrix/key/v2/query/127.0.0.1:1").await;
    assert_eq!((status, body), (200, json!({"server_keys": []})));
}

#[tokio::test]
async fn the_version_endpoint_names_concord() {
    let server = tls_server().await;
    let (status, body) = get(&server, "/_matrix/federation/v1/version").await;
    assert_eq!(status, 200);
    assert_eq!(body["server"]["name"], "Concord");
}
