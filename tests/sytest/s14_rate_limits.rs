//! Rate limits (`rc_message`, `rc_login`, Synapse's semantics): a burst is allowed, the next
//! request is 429 `M_LIMIT_EXCEEDED` with `retry_after_ms`, and keys are independent.

use serde_json::{json, Value};

use crate::harness::rooms::{
    create_room, membership, new_txn_id, put_state, send_message, send_with_txn,
};
use crate::harness::{password_login, post, register, Options, TestServer};

const LOGIN: &str = "/_matrix/client/v3/login";

/// A server whose limits are `yaml` (every other limit unreached).
async fn server_with_limits(yaml: &str) -> TestServer {
    TestServer::start_with(Options {
        enable_registration: true,
        rate_limits_yaml: Some(yaml.to_owned()),
        ..Options::default()
    })
    .await
}

const HIGH: &str = "{per_second: 100000, burst_count: 100000}";

fn assert_limited(status: u16, body: &Value) {
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errcode"], "M_LIMIT_EXCEEDED", "{body}");
    let retry = body["retry_after_ms"].as_u64().expect("retry_after_ms");
    assert!(retry > 0, "{body}");
}

#[tokio::test]
async fn sending_beyond_the_message_burst_is_limited_per_user() {
    let server = server_with_limits(&format!(
        "rc_message: {{per_second: 0.01, burst_count: 3}}\n\
         rc_login: {{address: {HIGH}, account: {HIGH}, failed_attempts: {HIGH}}}\n"
    ))
    .await;
    let alice = register(&server, "alice", "wonderland").await;
    let bob = register(&server, "bob", "builder").await;
    // createRoom's own events are not limited; the sends are.
    let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
    for i in 0..3 {
        send_message(&server, &alice, &room_id, &format!("m{i}")).await;
    }
    let (status, body) = send_with_txn(&server, &alice, &room_id, &new_txn_id(), "more").await;
    assert_limited(status, &body);
    let topic = json!({"topic": "limited too"});
    let (status, body) = put_state(&server, &alice, &room_id, "m.room.topic", "", topic).await;
    assert_limited(status, &body);
    // Bob has his own bucket (joining is not a message).
    let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
    assert_eq!(status, 200, "{body}");
    send_message(&server, &bob, &room_id, "hello").await;
}

#[tokio::test]
async fn failed_login_attempts_lock_the_account_even_for_the_right_password() {
    let server = server_with_limits(&format!(
        "rc_message: {HIGH}\n\
         rc_login: {{address: {HIGH}, account: {HIGH}, \
         failed_attempts: {{per_second: 0.01, burst_count: 2}}}}\n"
    ))
    .await;
    register(&server, "alice", "wonderland").await;
    register(&server, "bob", "builder").await;
    for _ in 0..2 {
        let (status, body) = post(&server, LOGIN, &password_login("alice", "wrong")).await;
        assert_eq!((status, &body["errcode"]), (403, &json!("M_FORBIDDEN")));
    }
    let (status, body) = post(&server, LOGIN, &password_login("alice", "wonderland")).await;
    assert_limited(status, &body);
    // Another account is not affected.
    let (status, body) = post(&server, LOGIN, &password_login("bob", "builder")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn logins_from_one_address_and_to_one_account_are_limited() {
    let server = server_with_limits(&format!(
        "rc_message: {HIGH}\n\
         rc_login: {{address: {{per_second: 0.01, burst_count: 3}}, account: {HIGH}, \
         failed_attempts: {HIGH}}}\n"
    ))
    .await;
    register(&server, "alice", "wonderland").await;
    for _ in 0..3 {
        let (status, body) = post(&server, LOGIN, &password_login("alice", "wonderland")).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = post(&server, LOGIN, &password_login("alice", "wonderland")).await;
    assert_limited(status, &body);

    let server = server_with_limits(&format!(
        "rc_message: {HIGH}\n\
         rc_login: {{address: {HIGH}, account: {{per_second: 0.01, burst_count: 2}}, \
         failed_attempts: {HIGH}}}\n"
    ))
    .await;
    register(&server, "alice", "wonderland").await;
    register(&server, "bob", "builder").await;
    for _ in 0..2 {
        let (status, body) = post(&server, LOGIN, &password_login("alice", "wonderland")).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = post(&server, LOGIN, &password_login("alice", "wonderland")).await;
    assert_limited(status, &body);
    let (status, body) = post(&server, LOGIN, &password_login("bob", "builder")).await;
    assert_eq!(status, 200, "{body}");
}
