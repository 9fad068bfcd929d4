//! Interop with a real Synapse (from PyPI; see `harness/synapse.rs`): a Synapse user joins a
//! Concord room and a Concord user joins a Synapse room, over HTTPS federation on loopback
//! with the test CA; messages reach the other side's `/sync`, and both servers hold the same
//! room state; typing, receipts, send-to-device messages and presence cross both ways.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{
    call, create_room, encode, join_path, join_via, room_path, send_message, sync_until,
    sync_until_found,
};
use crate::harness::synapse::Synapse;
use crate::harness::{federating, register, Session, TestServer};

/// `(type, state_key, event_id)` of a `/state` answer, sorted.
fn state_ids(state: &Value) -> Vec<(String, String, String)> {
    let mut ids: Vec<_> = state
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["state_key"].as_str().unwrap_or_default().to_owned(),
                e["event_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    ids.sort();
    ids
}

/// Long-polls Synapse's `/sync` until `room_id`'s timeline holds an event `matches` accepts.
async fn synapse_sync_until(
    synapse: &Synapse,
    session: &Session,
    room_id: &str,
    tries: usize,
    matches: impl Fn(&Value) -> bool,
) -> Option<Value> {
    synapse_sync_found(synapse, session, tries, |body| {
        let timeline = &body["rooms"]["join"][room_id]["timeline"]["events"];
        timeline
            .as_array()
            .and_then(|e| e.iter().find(|e| matches(e)))
            .cloned()
    })
    .await
}

#[tokio::test]
async fn a_synapse_user_joins_a_concord_room_and_messages_flow_both_ways() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let alice = register(&concord, "alice", "secret-alice").await;
    let sam = synapse.register("sam").await;
    let room_id = create_room(
        &concord,
        &alice,
        json!({"preset": "public_chat", "name": "Mixed"}),
    )
    .await;

    let (status, body) = synapse.join_via(&sam, &room_id, &concord.server_name).await;
    assert_eq!(status, 200, "Synapse joining: {body}\n{}", synapse.log());

    send_message(&concord, &alice, &room_id, "hello synapse").await;
    let seen = synapse_sync_until(&synapse, &sam, &room_id, 30, |e| {
        e["content"]["body"] == "hello synapse"
    })
    .await;
    assert!(
        seen.is_some(),
        "sam never saw alice's message\n{}",
        synapse.log()
    );

    let path = format!(
        "/_matrix/client/v3/rooms/{}/send/m.room.message/t1",
        encode(&room_id)
    );
    let (status, body) = synapse
        .call(
            &sam,
            Method::PUT,
            &path,
            Some(&json!({"msgtype": "m.text", "body": "hello concord"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seen = sync_until(&concord, &alice, &room_id, 30, |e| {
        e["content"]["body"] == "hello concord"
    })
    .await;
    assert!(
        seen.is_some(),
        "alice never saw sam's message\n{}",
        synapse.log()
    );

    let (status, on_concord) = call(
        &concord,
        &alice,
        Method::GET,
        &room_path(&room_id, "state"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, on_synapse) = synapse
        .call(&sam, Method::GET, &room_path(&room_id, "state"), None)
        .await;
    assert_eq!(status, 200, "{on_synapse}");
    assert_eq!(state_ids(&on_concord), state_ids(&on_synapse));
}

#[tokio::test]
async fn a_concord_user_joins_a_synapse_room_and_messages_flow_both_ways() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let bob = register(&concord, "bob", "secret-bob").await;
    let sam = synapse.register("sam").await;
    let room_id = synapse
        .create_room(
            &sam,
            json!({"preset": "public_chat", "name": "Synapse room"}),
        )
        .await;

    let path = join_path(&room_id, &synapse.server_name);
    let (status, body) = call(&concord, &bob, Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(status, 200, "Concord joining: {body}\n{}", synapse.log());

    let path = format!(
        "/_matrix/client/v3/rooms/{}/send/m.room.message/t1",
        encode(&room_id)
    );
    let (status, body) = synapse
        .call(
            &sam,
            Method::PUT,
            &path,
            Some(&json!({"msgtype": "m.text", "body": "welcome bob"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let seen = sync_until(&concord, &bob, &room_id, 30, |e| {
        e["content"]["body"] == "welcome bob"
    })
    .await;
    assert!(
        seen.is_some(),
        "bob never saw sam's message\n{}",
        synapse.log()
    );

    send_message(&concord, &bob, &room_id, "thanks sam").await;
    let seen = synapse_sync_until(&synapse, &sam, &room_id, 30, |e| {
        e["content"]["body"] == "thanks sam"
    })
    .await;
    assert!(
        seen.is_some(),
        "sam never saw bob's message\n{}",
        synapse.log()
    );

    let (status, on_concord) = call(
        &concord,
        &bob,
        Method::GET,
        &room_path(&room_id, "state"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, on_synapse) = synapse
        .call(&sam, Method::GET, &room_path(&room_id, "state"), None)
        .await;
    assert_eq!(status, 200, "{on_synapse}");
    assert_eq!(state_ids(&on_concord), state_ids(&on_synapse));
}

/// Polls Synapse's `/rooms/{id}/state/m.room.member/{user}` until its membership is `wanted`.
async fn synapse_membership_becomes(
    synapse: &Synapse,
    session: &Session,
    room_id: &str,
    user_id: &str,
    wanted: &str,
) -> bool {
    let path = room_path(room_id, &format!("state/m.room.member/{}", encode(user_id)));
    for _ in 0..60 {
        let (status, member) = synapse.call(session, Method::GET, &path, None).await;
        if status == 200 && member["membership"] == wanted {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    false
}

/// Polls Synapse's `/sync` until `room_id` is among the invites.
async fn synapse_invited(synapse: &Synapse, session: &Session, room_id: &str) -> bool {
    for _ in 0..40 {
        let (status, body) = synapse
            .call(
                session,
                Method::GET,
                "/_matrix/client/v3/sync?timeout=500",
                None,
            )
            .await;
        if status == 200 && body["rooms"]["invite"].get(room_id).is_some() {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn invites_kicks_and_bans_cross_between_concord_and_synapse() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let alice = register(&concord, "alice", "secret-alice").await;
    let sam = synapse.register("sam").await;

    // Concord invites a Synapse user; Synapse co-signs, shows it, and the user joins.
    let room_id = create_room(
        &concord,
        &alice,
        json!({"preset": "private_chat", "name": "Invite only"}),
    )
    .await;
    let (status, body) = call(
        &concord,
        &alice,
        Method::POST,
        &room_path(&room_id, "invite"),
        Some(&json!({"user_id": sam.user_id})),
    )
    .await;
    assert_eq!(status, 200, "invite: {body}\n{}", synapse.log());
    assert!(
        synapse_invited(&synapse, &sam, &room_id).await,
        "no invite on Synapse\n{}",
        synapse.log()
    );
    let path = format!("/_matrix/client/v3/join/{}", encode(&room_id));
    let (status, body) = synapse
        .call(&sam, Method::POST, &path, Some(&json!({})))
        .await;
    assert_eq!(status, 200, "accepting: {body}\n{}", synapse.log());

    // A kick and then a ban by the Concord side reach Synapse.
    let (status, body) = call(
        &concord,
        &alice,
        Method::POST,
        &room_path(&room_id, "kick"),
        Some(&json!({"user_id": sam.user_id, "reason": "out"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        &concord,
        &alice,
        Method::POST,
        &room_path(&room_id, "ban"),
        Some(&json!({"user_id": sam.user_id})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let path = room_path(
        &room_id,
        &format!("state/m.room.member/{}", encode(&sam.user_id)),
    );
    let (status, member) = call(&concord, &alice, Method::GET, &path, None).await;
    assert_eq!((status, &member["membership"]), (200, &json!("ban")));
    // However the banned user's server tries to rejoin, the room here keeps the ban.
    let path_join = format!(
        "/_matrix/client/v3/join/{}?server_name={}",
        encode(&room_id),
        encode(&concord.server_name)
    );
    let _ = synapse
        .call(&sam, Method::POST, &path_join, Some(&json!({})))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (status, member) = call(&concord, &alice, Method::GET, &path, None).await;
    assert_eq!(
        (status, &member["membership"]),
        (200, &json!("ban")),
        "{member}"
    );

    // Synapse invites a Concord user; Concord co-signs, shows it in /sync, and bob joins.
    let bob = register(&concord, "bob", "secret-bob").await;
    let (status, body) = synapse
        .call(
            &sam,
            Method::POST,
            "/_matrix/client/v3/createRoom",
            Some(&json!({"preset": "private_chat", "invite": [bob.user_id]})),
        )
        .await;
    assert_eq!(status, 200, "{body}\n{}", synapse.log());
    let synapse_room = body["room_id"].as_str().expect("room id").to_owned();
    let mut invited = false;
    for _ in 0..40 {
        let (_, body) = call(
            &concord,
            &bob,
            Method::GET,
            "/_matrix/client/v3/sync?timeout=500",
            None,
        )
        .await;
        if body["rooms"]["invite"].get(&synapse_room).is_some() {
            invited = true;
            break;
        }
    }
    assert!(invited, "bob never saw the invite\n{}", synapse.log());
    let path = format!("/_matrix/client/v3/join/{}", encode(&synapse_room));
    let (status, body) = call(&concord, &bob, Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(status, 200, "bob accepting: {body}\n{}", synapse.log());
    assert!(
        synapse_membership_becomes(&synapse, &sam, &synapse_room, &bob.user_id, "join").await,
        "Synapse never saw bob join\n{}",
        synapse.log()
    );
    // And Synapse kicks him: Concord's state follows.
    let (status, body) = synapse
        .call(
            &sam,
            Method::POST,
            &room_path(&synapse_room, "kick"),
            Some(&json!({"user_id": bob.user_id})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let path = room_path(
        &synapse_room,
        &format!("state/m.room.member/{}", encode(&bob.user_id)),
    );
    let mut kicked = false;
    for _ in 0..40 {
        let (status, member) = call(&concord, &bob, Method::GET, &path, None).await;
        if status == 200 && member["membership"] == "leave" {
            kicked = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(kicked, "Concord never saw the kick\n{}", synapse.log());
}

#[tokio::test]
async fn a_concord_user_reads_500_messages_of_synapse_history_through_backfill() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let bob = register(&concord, "bob", "secret-bob").await;
    let sam = synapse.register("sam").await;
    let room_id = synapse
        .create_room(&sam, json!({"preset": "public_chat"}))
        .await;
    for n in 0..500 {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/m.room.message/h{n}",
            encode(&room_id)
        );
        let (status, body) = synapse
            .call(
                &sam,
                Method::PUT,
                &path,
                Some(&json!({"msgtype": "m.text", "body": format!("history {n}")})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    join_via(&concord, &bob, &room_id, &synapse.server_name).await;

    // Page backwards from the join until the room's start; every message arrives once, in order.
    let mut seen: Vec<u32> = Vec::new();
    let mut from: Option<String> = None;
    for _ in 0..100 {
        let mut path = format!("{}?dir=b&limit=100", room_path(&room_id, "messages"));
        if let Some(token) = &from {
            path.push_str(&format!("&from={token}"));
        }
        let (status, page) = call(&concord, &bob, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        for event in page["chunk"].as_array().expect("chunk") {
            if let Some(n) = event["content"]["body"]
                .as_str()
                .and_then(|b| b.strip_prefix("history "))
                .and_then(|n| n.parse().ok())
            {
                seen.push(n);
            }
        }
        match page["end"].as_str() {
            Some(end) => from = Some(end.to_owned()),
            None => break,
        }
    }
    let expected: Vec<u32> = (0..500).rev().collect();
    assert_eq!(seen, expected, "history as paginated on Concord");
}

#[tokio::test]
async fn concurrent_state_changes_on_concord_and_synapse_converge() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let alice = register(&concord, "alice", "secret-alice").await;
    let sam = synapse.register("sam").await;
    let room_id = create_room(&concord, &alice, json!({"preset": "public_chat"})).await;
    let (status, body) = synapse.join_via(&sam, &room_id, &concord.server_name).await;
    assert_eq!(status, 200, "{body}");
    // sam may change state too.
    let (status, mut levels) = call(
        &concord,
        &alice,
        Method::GET,
        &room_path(&room_id, "state/m.room.power_levels/"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    levels["users"][&sam.user_id] = json!(100);
    let (status, body) = call(
        &concord,
        &alice,
        Method::PUT,
        &room_path(&room_id, "state/m.room.power_levels/"),
        Some(&levels),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        synapse_sync_until(&synapse, &sam, &room_id, 30, |e| e["type"]
            == "m.room.power_levels"
            && e["content"]["users"][&sam.user_id] == 100)
        .await
        .is_some(),
        "{}",
        synapse.log()
    );

    // Both sides change the same and different state at the same moment, a few times.
    for round in 0..3 {
        let topic = room_path(&room_id, "state/m.room.topic/");
        let name = room_path(&room_id, "state/m.room.name/");
        let concord_topic = json!({"topic": format!("concord {round}")});
        let synapse_topic = json!({"topic": format!("synapse {round}")});
        let synapse_name = json!({"name": format!("named by synapse {round}")});
        let (a, b, c) = tokio::join!(
            call(&concord, &alice, Method::PUT, &topic, Some(&concord_topic)),
            synapse.call(&sam, Method::PUT, &topic, Some(&synapse_topic)),
            synapse.call(&sam, Method::PUT, &name, Some(&synapse_name)),
        );
        assert_eq!((a.0, b.0, c.0), (200, 200, 200), "{a:?} {b:?} {c:?}");
    }
    // A message from each side merges the forks; then both must hold the same state.
    send_message(&concord, &alice, &room_id, "merge from concord").await;
    let path = format!(
        "/_matrix/client/v3/rooms/{}/send/m.room.message/merge",
        encode(&room_id)
    );
    let (status, _) = synapse
        .call(
            &sam,
            Method::PUT,
            &path,
            Some(&json!({"msgtype": "m.text", "body": "merge from synapse"})),
        )
        .await;
    assert_eq!(status, 200);
    let mut last = (Vec::new(), Vec::new());
    for _ in 0..60 {
        let (_, on_concord) = call(
            &concord,
            &alice,
            Method::GET,
            &room_path(&room_id, "state"),
            None,
        )
        .await;
        let (_, on_synapse) = synapse
            .call(&sam, Method::GET, &room_path(&room_id, "state"), None)
            .await;
        last = (state_ids(&on_concord), state_ids(&on_synapse));
        if last.0 == last.1 && !last.0.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!(
        "the servers disagree:\nconcord {:?}\nsynapse {:?}\n{}",
        last.0,
        last.1,
        synapse.log()
    );
}

#[tokio::test]
async fn a_synapse_user_reads_500_messages_of_concord_history_through_backfill() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let alice = register(&concord, "alice", "secret-alice").await;
    let sam = synapse.register("sam").await;
    let room_id = create_room(
        &concord,
        &alice,
        json!({"preset": "public_chat", "initial_state": [
            {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "shared"}}
        ]}),
    )
    .await;
    for n in 0..500 {
        send_message(&concord, &alice, &room_id, &format!("history {n}")).await;
    }
    let (status, body) = synapse.join_via(&sam, &room_id, &concord.server_name).await;
    assert_eq!(status, 200, "{body}");

    let mut seen: Vec<u32> = Vec::new();
    let mut from: Option<String> = None;
    for _ in 0..200 {
        let mut path = format!("{}?dir=b&limit=100", room_path(&room_id, "messages"));
        if let Some(token) = &from {
            path.push_str(&format!("&from={token}"));
        }
        let (status, page) = synapse.call(&sam, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        for event in page["chunk"].as_array().expect("chunk") {
            if let Some(n) = event["content"]["body"]
                .as_str()
                .and_then(|b| b.strip_prefix("history "))
                .and_then(|n| n.parse().ok())
            {
                seen.push(n);
            }
        }
        match page["end"].as_str() {
            Some(end) if !page["chunk"].as_array().is_some_and(Vec::is_empty) => {
                from = Some(end.to_owned())
            }
            _ => break,
        }
    }
    let expected: Vec<u32> = (0..500).rev().collect();
    assert_eq!(
        seen,
        expected,
        "history as paginated on Synapse\n{}",
        synapse.log()
    );
}

/// Long-polls Concord's `/sync` until the room's ephemeral events hold one `matches` accepts.
async fn ephemeral_until(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    matches: impl Fn(&Value) -> bool,
) -> bool {
    let mut since: Option<String> = None;
    for _ in 0..30 {
        let path = match &since {
            Some(token) => format!("/_matrix/client/v3/sync?timeout=1000&since={token}"),
            None => "/_matrix/client/v3/sync".to_owned(),
        };
        let (status, body) = call(server, session, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        let events = &body["rooms"]["join"][room_id]["ephemeral"]["events"];
        if events.as_array().is_some_and(|e| e.iter().any(&matches)) {
            return true;
        }
        since = body["next_batch"].as_str().map(str::to_owned);
    }
    false
}

#[tokio::test]
async fn typing_and_receipts_cross_between_synapse_and_concord() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let bob = register(&concord, "bob", "secret-bob").await;
    let sam = synapse.register("sam").await;
    let room_id = synapse
        .create_room(&sam, json!({"preset": "public_chat"}))
        .await;
    join_via(&concord, &bob, &room_id, &synapse.server_name).await;

    let path = format!(
        "/_matrix/client/v3/rooms/{}/typing/{}",
        encode(&room_id),
        encode(&sam.user_id)
    );
    let (status, body) = synapse
        .call(
            &sam,
            Method::PUT,
            &path,
            Some(&json!({"typing": true, "timeout": 30000})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let typing = ephemeral_until(&concord, &bob, &room_id, |e| {
        e["type"] == "m.typing"
            && e["content"]["user_ids"]
                .as_array()
                .is_some_and(|u| u.contains(&json!(sam.user_id)))
    })
    .await;
    assert!(typing, "bob never saw sam typing\n{}", synapse.log());

    let path = format!(
        "/_matrix/client/v3/rooms/{}/send/m.room.message/r1",
        encode(&room_id)
    );
    let (status, body) = synapse
        .call(
            &sam,
            Method::PUT,
            &path,
            Some(&json!({"msgtype": "m.text", "body": "read me"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let event_id = body["event_id"].as_str().expect("event id").to_owned();
    assert!(sync_until(&concord, &bob, &room_id, 30, |e| e["event_id"]
        == json!(event_id))
    .await
    .is_some());
    let path = format!(
        "/_matrix/client/v3/rooms/{}/receipt/m.read/{}",
        encode(&room_id),
        encode(&event_id)
    );
    let (status, body) = synapse
        .call(&sam, Method::POST, &path, Some(&json!({})))
        .await;
    assert_eq!(status, 200, "{body}");
    let receipt = ephemeral_until(&concord, &bob, &room_id, |e| {
        e["type"] == "m.receipt"
            && e["content"][&event_id]["m.read"]
                .get(&sam.user_id)
                .is_some()
    })
    .await;
    assert!(receipt, "bob never saw sam's receipt\n{}", synapse.log());

    // And back: bob's typing and receipt reach Synapse.
    let path = format!(
        "/_matrix/client/v3/rooms/{}/typing/{}",
        encode(&room_id),
        encode(&bob.user_id)
    );
    let (status, body) = call(
        &concord,
        &bob,
        Method::PUT,
        &path,
        Some(&json!({"typing": true, "timeout": 30000})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let bob_event = send_message(&concord, &bob, &room_id, "bob read it").await;
    let path = format!(
        "/_matrix/client/v3/rooms/{}/receipt/m.read/{}",
        encode(&room_id),
        encode(&bob_event)
    );
    let (status, body) = call(&concord, &bob, Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let (mut saw_typing, mut saw_receipt) = (false, false);
    let mut since: Option<String> = None;
    for _ in 0..30 {
        let path = match &since {
            Some(token) => format!("/_matrix/client/v3/sync?timeout=1000&since={token}"),
            None => "/_matrix/client/v3/sync".to_owned(),
        };
        let (status, body) = synapse.call(&sam, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
        for event in body["rooms"]["join"][&room_id]["ephemeral"]["events"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            saw_typing |= event["type"] == "m.typing"
                && event["content"]["user_ids"]
                    .as_array()
                    .is_some_and(|u| u.contains(&json!(bob.user_id)));
            saw_receipt |= event["type"] == "m.receipt"
                && event["content"][&bob_event]["m.read"]
                    .get(&bob.user_id)
                    .is_some();
        }
        if saw_typing && saw_receipt {
            break;
        }
        since = body["next_batch"].as_str().map(str::to_owned);
    }
    assert!(
        saw_typing && saw_receipt,
        "typing {saw_typing}, receipt {saw_receipt}\n{}",
        synapse.log()
    );
}

/// Long-polls Synapse's `/sync` (at most `tries` polls of up to a second) until `found` picks
/// something out of a response.
async fn synapse_sync_found(
    synapse: &Synapse,
    session: &Session,
    tries: usize,
    found: impl Fn(&Value) -> Option<Value>,
) -> Option<Value> {
    let mut since: Option<String> = None;
    for _ in 0..tries {
        let path = match &since {
            Some(token) => format!("/_matrix/client/v3/sync?timeout=1000&since={token}"),
            None => "/_matrix/client/v3/sync".to_owned(),
        };
        let (status, body) = synapse.call(session, Method::GET, &path, None).await;
        assert_eq!(status, 200, "sync: {body}");
        if let Some(value) = found(&body) {
            return Some(value);
        }
        since = body["next_batch"].as_str().map(str::to_owned);
    }
    None
}

/// The first to-device event of type `m.test` in a sync response.
fn test_message(body: &Value) -> Option<Value> {
    body["to_device"]["events"]
        .as_array()?
        .iter()
        .find(|e| e["type"] == "m.test")
        .cloned()
}

/// The content of `user_id`'s `m.presence` event with `status_msg` in a sync response.
fn presence_with(body: &Value, user_id: &str, status_msg: &str) -> Option<Value> {
    body["presence"]["events"]
        .as_array()?
        .iter()
        .find(|e| e["sender"] == user_id && e["content"]["status_msg"] == status_msg)
        .map(|e| e["content"].clone())
}

#[tokio::test]
async fn to_device_messages_and_presence_cross_between_synapse_and_concord() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let concord = federating().await;
    let bob = register(&concord, "bob", "secret-bob").await;
    let sam = synapse.register("sam").await;

    // To-device, Synapse → Concord (every device) and back (one device).
    let body = json!({"messages": {bob.user_id.clone(): {"*": {"from": "sam"}}}});
    let (status, answer) = synapse
        .call(
            &sam,
            Method::PUT,
            "/_matrix/client/v3/sendToDevice/m.test/s1",
            Some(&body),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let got = sync_until_found(&concord, &bob, 30, test_message)
        .await
        .unwrap_or_else(|| panic!("bob never got sam's message\n{}", synapse.log()));
    assert_eq!(got["sender"], json!(sam.user_id), "{got}");
    assert_eq!(got["content"], json!({"from": "sam"}), "{got}");
    let body = json!({"messages": {sam.user_id.clone(): {sam.device_id.clone(): {"from": "bob"}}}});
    let (status, answer) = call(
        &concord,
        &bob,
        Method::PUT,
        "/_matrix/client/v3/sendToDevice/m.test/b1",
        Some(&body),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let got = synapse_sync_found(&synapse, &sam, 30, test_message)
        .await
        .unwrap_or_else(|| panic!("sam never got bob's message\n{}", synapse.log()));
    assert_eq!(got["sender"], json!(bob.user_id), "{got}");
    assert_eq!(got["content"], json!({"from": "bob"}), "{got}");

    // Presence, once they share a room.
    let room_id = synapse
        .create_room(&sam, json!({"preset": "public_chat"}))
        .await;
    join_via(&concord, &bob, &room_id, &synapse.server_name).await;
    let path = format!(
        "/_matrix/client/v3/presence/{}/status",
        encode(&sam.user_id)
    );
    let status_body = json!({"presence": "unavailable", "status_msg": "synapse lunch"});
    let (status, body) = synapse
        .call(&sam, Method::PUT, &path, Some(&status_body))
        .await;
    assert_eq!(status, 200, "{body}");
    let sam_id = sam.user_id.clone();
    let seen = sync_until_found(&concord, &bob, 30, |body| {
        presence_with(body, &sam_id, "synapse lunch")
    })
    .await
    .unwrap_or_else(|| panic!("bob never saw sam's presence\n{}", synapse.log()));
    assert_eq!(seen["presence"], "unavailable", "{seen}");

    let path = format!(
        "/_matrix/client/v3/presence/{}/status",
        encode(&bob.user_id)
    );
    let status_body = json!({"presence": "online", "status_msg": "concord here"});
    let (status, body) = call(&concord, &bob, Method::PUT, &path, Some(&status_body)).await;
    assert_eq!(status, 200, "{body}");
    let bob_id = bob.user_id.clone();
    let seen = synapse_sync_found(&synapse, &sam, 30, |body| {
        presence_with(body, &bob_id, "concord here")
    })
    .await
    .unwrap_or_else(|| panic!("sam never saw bob's presence\n{}", synapse.log()));
    assert_eq!(seen["presence"], "online", "{seen}");
}
