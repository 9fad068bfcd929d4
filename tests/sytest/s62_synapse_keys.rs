//! End-to-end keys between Concord and a real Synapse (see `harness/synapse.rs`): each side's
//! users query and claim the other side's users' keys over federation (Synapse also resyncs
//! Concord's device list through `/user/devices`), and a device list change on either side
//! reaches the other through `m.device_list_update`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, create_room, encode, send_message, sync_until};
use crate::harness::synapse::Synapse;
use crate::harness::{federating, register, Session};

/// Device keys for `session`'s device, tagged so versions can be told apart.
fn device_keys(session: &Session, tag: &str) -> Value {
    let device = &session.device_id;
    json!({
        "user_id": session.user_id,
        "device_id": device,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {format!("curve25519:{device}"): format!("curve-{tag}")},
        "signatures": {session.user_id.clone(): {format!("ed25519:{device}"): "sig"}},
    })
}

fn upload_body(session: &Session, tag: &str) -> Value {
    json!({
        "device_keys": device_keys(session, tag),
        "one_time_keys": {format!("signed_curve25519:{tag}"): one_time_key(session, tag)},
    })
}

/// A signed one-time key (Synapse checks the shape).
fn one_time_key(session: &Session, tag: &str) -> Value {
    let signer = format!("ed25519:{}", session.device_id);
    json!({"key": format!("otk-{tag}"), "signatures": {session.user_id.clone(): {signer: "sig"}}})
}

fn query_body(user_id: &str) -> Value {
    json!({"device_keys": {user_id: []}, "timeout": 10000})
}

fn claim_body(owner: &Session) -> Value {
    json!({"one_time_keys": {owner.user_id.clone(): {owner.device_id.clone(): "signed_curve25519"}}, "timeout": 10000})
}

#[tokio::test]
async fn keys_and_device_list_updates_cross_between_synapse_and_concord() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let alice = register(&concord, "alice", "secret-alice").await;
    let sam = synapse.register("sam").await;
    let room_id = create_room(&concord, &alice, json!({"preset": "public_chat"})).await;
    let (status, body) = synapse.join_via(&sam, &room_id, &concord.server_name).await;
    assert_eq!(status, 200, "Synapse joining: {body}\n{}", synapse.log());
    let first = send_message(&concord, &alice, &room_id, "keys next").await;
    let _ = sync_until(&concord, &alice, &room_id, 5, |e| e["event_id"] == first).await;

    // Both upload keys.
    let upload = "/_matrix/client/v3/keys/upload";
    let (status, body) = call(
        &concord,
        &alice,
        Method::POST,
        upload,
        Some(&upload_body(&alice, "a1")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = synapse
        .call(&sam, Method::POST, upload, Some(&upload_body(&sam, "s1")))
        .await;
    assert_eq!(status, 200, "{body}");

    // Sam reads and claims alice's keys through Synapse.
    let query = "/_matrix/client/v3/keys/query";
    let claim = "/_matrix/client/v3/keys/claim";
    let (status, body) = synapse
        .call(&sam, Method::POST, query, Some(&query_body(&alice.user_id)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["device_keys"][&alice.user_id][&alice.device_id]["keys"],
        device_keys(&alice, "a1")["keys"],
        "{body}\n{}",
        synapse.log()
    );
    let (status, body) = synapse
        .call(&sam, Method::POST, claim, Some(&claim_body(&alice)))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["one_time_keys"][&alice.user_id][&alice.device_id],
        json!({"signed_curve25519:a1": one_time_key(&alice, "a1")}),
        "{body}"
    );

    // Alice reads and claims sam's keys through Concord.
    let (status, body) = call(
        &concord,
        &alice,
        Method::POST,
        query,
        Some(&query_body(&sam.user_id)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["device_keys"][&sam.user_id][&sam.device_id]["keys"],
        device_keys(&sam, "s1")["keys"],
        "{body}"
    );
    let (status, body) = call(
        &concord,
        &alice,
        Method::POST,
        claim,
        Some(&claim_body(&sam)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["one_time_keys"][&sam.user_id][&sam.device_id],
        json!({"signed_curve25519:s1": one_time_key(&sam, "s1")}),
        "{body}"
    );

    // Sam's new keys reach alice's device_lists.changed.
    let (status, body) = call(
        &concord,
        &alice,
        Method::GET,
        "/_matrix/client/v3/sync",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let mut since = body["next_batch"].as_str().expect("next_batch").to_owned();
    let (status, _) = synapse
        .call(
            &sam,
            Method::POST,
            upload,
            Some(&json!({"device_keys": device_keys(&sam, "s2")})),
        )
        .await;
    assert_eq!(status, 200);
    let mut changed = false;
    for _ in 0..30 {
        let path = format!(
            "/_matrix/client/v3/sync?timeout=1000&since={}",
            encode(&since)
        );
        let (status, body) = call(&concord, &alice, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        if body["device_lists"]["changed"]
            .as_array()
            .is_some_and(|c| c.iter().any(|u| u == &sam.user_id))
        {
            changed = true;
            break;
        }
        since = body["next_batch"].as_str().expect("next_batch").to_owned();
    }
    assert!(
        changed,
        "alice never saw sam's device list change\n{}",
        synapse.log()
    );

    // Alice's new keys reach Synapse's cache of her device list.
    let (status, _) = call(
        &concord,
        &alice,
        Method::POST,
        upload,
        Some(&json!({"device_keys": device_keys(&alice, "a2")})),
    )
    .await;
    assert_eq!(status, 200);
    let mut updated = false;
    for _ in 0..30 {
        let (status, body) = synapse
            .call(&sam, Method::POST, query, Some(&query_body(&alice.user_id)))
            .await;
        assert_eq!(status, 200, "{body}");
        if body["device_keys"][&alice.user_id][&alice.device_id]["keys"]
            == device_keys(&alice, "a2")["keys"]
        {
            updated = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    assert!(
        updated,
        "Synapse never served alice's new keys\n{}",
        synapse.log()
    );
}
