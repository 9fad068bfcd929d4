//! A partition between three Concord servers over HTTPS (issue #5): while C is stopped, A and B
//! change power levels and membership concurrently, each on its own tip (a fork); once C is
//! back, the three report the same room state and the room still carries messages every way.
//!
//! Two more scenarios (all three sending at once; C back after A and B forked and merged)
//! let a server hear of an event before that event's prev events arrive from their own origin,
//! which `/get_missing_events` repairs.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, create_room, encode, put_state, room_path, sync_until};
use crate::harness::{each_backend, register, Backend, Options, Session, TestServer};

async fn tls_server(backend: &Backend) -> TestServer {
    TestServer::start_with(Options {
        tls: true,
        enable_registration: true,
        backend: backend.clone(),
        ..Options::default()
    })
    .await
}

/// `/join/{room}?server_name=…` as `session`; panics unless it succeeds.
async fn join_via(server: &TestServer, session: &Session, room_id: &str, via: &str) {
    let path = format!(
        "/_matrix/client/v3/join/{}?server_name={}",
        encode(room_id),
        encode(via)
    );
    let (status, body) = call(server, session, Method::POST, &path, Some(&json!({}))).await;
    assert_eq!(status, 200, "join: {body}");
}

/// A room's state as a server reports it: sorted `(type, state_key, event_id)` and the power
/// levels' content.
type RoomState = (Vec<(String, String, String)>, Value);

/// The room's state as sorted `(type, state_key, event_id)` from `/state`, and the content of
/// its `m.room.power_levels`.
async fn state_of(server: &TestServer, session: &Session, room_id: &str) -> RoomState {
    let (status, body) = call(
        server,
        session,
        Method::GET,
        &room_path(room_id, "state"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let events = body.as_array().expect("state array");
    let text = |event: &Value, key: &str| event[key].as_str().unwrap_or_default().to_owned();
    let mut ids: Vec<(String, String, String)> = events
        .iter()
        .map(|e| (text(e, "type"), text(e, "state_key"), text(e, "event_id")))
        .collect();
    ids.sort();
    let power_levels = events
        .iter()
        .find(|e| e["type"] == "m.room.power_levels")
        .map(|e| e["content"].clone())
        .unwrap_or(Value::Null);
    (ids, power_levels)
}

/// Polls (at most `tries` times, 250 ms apart) until every server reports the same state; the
/// states last read.
async fn converge(
    servers: &[(&TestServer, &Session)],
    room_id: &str,
    tries: usize,
) -> Vec<RoomState> {
    let mut states = Vec::new();
    for _ in 0..tries {
        states.clear();
        for (server, session) in servers {
            states.push(state_of(server, session, room_id).await);
        }
        if states.windows(2).all(|pair| pair[0] == pair[1]) {
            return states;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    states
}

/// Panics with the differing states unless all are equal.
fn assert_same(states: &[RoomState], when: &str) {
    for (index, state) in states.iter().enumerate().skip(1) {
        assert_eq!(
            &states[0], state,
            "{when}: server {index} differs from the first"
        );
    }
}

/// Cuts the link between `a` and `b`: each backs off sending to the other for ten minutes,
/// as after a failed transaction, so what they queue for each other stays queued.
async fn cut_link(a: &TestServer, b: &TestServer) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis();
    let later = i64::try_from(now).expect("time") + 600_000;
    for (from, to) in [(a, b), (b, a)] {
        from.database()
            .set_destination_backoff(&to.server_name, 1, later)
            .await
            .expect("backoff");
    }
}

/// Restores the link: each learns the other is up (as when it hears from it) and sends its
/// queue.
async fn heal_link(a: &TestServer, b: &TestServer) {
    a.federation_sender().peer_is_up(&b.server_name).await;
    b.federation_sender().peer_is_up(&a.server_name).await;
}

/// `POST /rooms/{id}/{action}` as `session`; the status and body.
async fn act(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    action: &str,
    body: Value,
) -> (u16, Value) {
    call(
        server,
        session,
        Method::POST,
        &room_path(room_id, action),
        Some(&body),
    )
    .await
}

#[tokio::test]
async fn three_servers_agree_on_the_room_state_after_a_partition_heals() {
    each_backend(|backend| async move { partition_heals(backend).await }).await;
}

async fn partition_heals(backend: Backend) {
    let a = tls_server(&backend).await;
    let b = tls_server(&backend).await;
    let mut c = tls_server(&backend).await;
    let alice = register(&a, "alice", "secret-alice").await;
    let erin = register(&a, "erin", "secret-erin").await;
    let bob = register(&b, "bob", "secret-bob").await;
    let dave = register(&b, "dave", "secret-dave").await;
    let carol = register(&c, "carol", "secret-carol").await;
    let alice_id = format!("@alice:{}", a.server_name);
    let erin_id = format!("@erin:{}", a.server_name);
    let bob_id = format!("@bob:{}", b.server_name);
    let dave_id = format!("@dave:{}", b.server_name);
    let carol_id = format!("@carol:{}", c.server_name);

    let room_id = create_room(&a, &alice, json!({"preset": "public_chat"})).await;
    join_via(&b, &bob, &room_id, &a.server_name).await;
    join_via(&b, &dave, &room_id, &a.server_name).await;
    join_via(&c, &carol, &room_id, &a.server_name).await;
    let power_levels = |users: Value| {
        json!({
            "users": users,
            "users_default": 0, "events_default": 0, "state_default": 50,
            "ban": 50, "kick": 50, "redact": 50, "invite": 0,
            "events": {"m.room.power_levels": 100, "m.room.history_visibility": 100},
        })
    };
    let (status, body) = put_state(
        &a,
        &alice,
        &room_id,
        "m.room.power_levels",
        "",
        power_levels(json!({alice_id.clone(): 100, bob_id.clone(): 100, carol_id.clone(): 50})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let states = converge(&[(&a, &alice), (&b, &bob), (&c, &carol)], &room_id, 80).await;
    assert_same(&states, "before the partition");
    assert_eq!(states[0].1["users"][&carol_id], json!(50));

    // C goes down, and the link between A and B too (each backs off the other, as after a
    // failed transaction): A and B change the room at the same time, each on its own tip.
    c.stop().await;
    cut_link(&a, &b).await;
    let on_a = async {
        let (status, body) = put_state(
            &a,
            &alice,
            &room_id,
            "m.room.power_levels",
            "",
            power_levels(json!({alice_id.clone(): 100, bob_id.clone(): 100, carol_id.clone(): 0})),
        )
        .await;
        assert_eq!(status, 200, "alice's power levels: {body}");
        let (status, body) = act(&a, &erin, &room_id, "join", json!({})).await;
        assert_eq!(status, 200, "erin's join: {body}");
    };
    let on_b = async {
        let (status, body) = put_state(
            &b,
            &bob,
            &room_id,
            "m.room.topic",
            "",
            json!({"topic": "partitioned"}),
        )
        .await;
        assert_eq!(status, 200, "bob's topic: {body}");
        let (status, body) = act(&b, &bob, &room_id, "kick", json!({"user_id": dave_id})).await;
        assert_eq!(status, 200, "bob kicks dave: {body}");
        let (status, body) = act(&b, &bob, &room_id, "ban", json!({"user_id": erin_id})).await;
        assert_eq!(status, 200, "bob bans erin: {body}");
        let (status, body) = put_state(
            &b,
            &bob,
            &room_id,
            "m.room.power_levels",
            "",
            power_levels(json!({alice_id.clone(): 100, bob_id.clone(): 100, carol_id.clone(): 75})),
        )
        .await;
        assert_eq!(status, 200, "bob's power levels: {body}");
    };
    tokio::join!(on_a, on_b);
    heal_link(&a, &b).await;
    let states = converge(&[(&a, &alice), (&b, &bob)], &room_id, 80).await;
    assert_same(&states, "A and B during the partition");
    // Each built on its own tip: the room forked. A server keeps the other branch's head as a
    // forward extremity unless it soft-failed that head (erin's join, on the server that
    // banned her first), so at least one of them holds both heads.
    let mut most_heads = 0;
    for server in [&a, &b] {
        let heads = server
            .database()
            .forward_extremities(&room_id)
            .await
            .expect("forward extremities");
        most_heads = most_heads.max(heads.len());
    }
    assert_eq!(most_heads, 2, "A and B did not fork");
    assert_eq!(
        states[0].1["users"][&carol_id]
            .as_i64()
            .map(|l| l == 0 || l == 75),
        Some(true)
    );

    // C comes back and catches up from the queues of A and B.
    c.resume().await;
    let everyone = [(&a, &alice), (&b, &bob), (&c, &carol)];
    let states = converge(&everyone, &room_id, 120).await;
    assert_same(&states, "after the partition");
    let member = |user: &str| {
        states[0]
            .0
            .iter()
            .find(|(kind, key, _)| kind == "m.room.member" && key == user)
            .is_some()
    };
    assert!(member(&dave_id) && member(&erin_id), "{:?}", states[0].0);

    // Every server's membership tables follow the resolved state: the same joined members,
    // and erin (banned in the resolved state) has no room on A.
    let mut joined = Vec::new();
    for (server, session) in &everyone {
        let (status, body) = call(
            server,
            session,
            Method::GET,
            &room_path(&room_id, "joined_members"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let mut members: Vec<String> = body["joined"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        members.sort();
        joined.push(members);
    }
    assert!(
        joined.windows(2).all(|pair| pair[0] == pair[1]),
        "{joined:?}"
    );
    // The ban is a power event, ordered before erin's concurrent join, which then fails the
    // auth rules: erin is banned everywhere, and dave, kicked, is gone.
    let (status, erin_event) = call(
        &a,
        &alice,
        Method::GET,
        &room_path(
            &room_id,
            &format!("state/m.room.member/{}", encode(&erin_id)),
        ),
        None,
    )
    .await;
    assert_eq!(
        (status, &erin_event["membership"]),
        (200, &json!("ban")),
        "{erin_event}"
    );
    assert_eq!(joined[0], {
        let mut expected = vec![alice_id.clone(), bob_id.clone(), carol_id.clone()];
        expected.sort();
        expected
    });
    let (status, rooms) = call(
        &a,
        &erin,
        Method::GET,
        "/_matrix/client/v3/joined_rooms",
        None,
    )
    .await;
    assert_eq!(
        (status, &rooms["joined_rooms"]),
        (200, &json!([])),
        "{rooms}"
    );

    // The room still works: a message from each server reaches the other two.
    for (index, (server, session)) in everyone.iter().enumerate() {
        let text = format!("after the partition from server {index}");
        let (status, body) = call(
            server,
            session,
            Method::PUT,
            &room_path(&room_id, &format!("send/m.room.message/partition-{index}")),
            Some(&json!({"msgtype": "m.text", "body": text})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        for (other, (reader, reader_session)) in everyone.iter().enumerate() {
            if other == index {
                continue;
            }
            let seen = sync_until(reader, reader_session, &room_id, 30, |e| {
                e["content"]["body"] == text
            })
            .await;
            assert!(seen.is_some(), "server {other} never saw: {text}");
        }
    }
    let states = converge(&everyone, &room_id, 40).await;
    assert_same(&states, "after the messages");
}

/// The bodies of the room's last 200 messages as `session` reads them on `server`.
async fn message_bodies(server: &TestServer, session: &Session, room_id: &str) -> Vec<String> {
    let path = room_path(room_id, "messages?dir=b&limit=200");
    let (status, body) = call(server, session, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    let mut bodies: Vec<String> = body["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["content"]["body"].as_str().map(str::to_owned))
        .collect();
    bodies.sort();
    bodies
}

#[tokio::test]
async fn three_servers_sending_at_once_end_with_the_same_room() {
    let a = tls_server(&Backend::Sqlite).await;
    let b = tls_server(&Backend::Sqlite).await;
    let c = tls_server(&Backend::Sqlite).await;
    let alice = register(&a, "alice", "secret-alice").await;
    let bob = register(&b, "bob", "secret-bob").await;
    let carol = register(&c, "carol", "secret-carol").await;
    let bob_id = format!("@bob:{}", b.server_name);
    let room_id = create_room(
        &a,
        &alice,
        json!({"preset": "public_chat", "power_level_content_override": {"users": {
            format!("@alice:{}", a.server_name): 100, bob_id: 100}}}),
    )
    .await;
    join_via(&b, &bob, &room_id, &a.server_name).await;
    join_via(&c, &carol, &room_id, &a.server_name).await;
    let everyone = [(&a, &alice), (&b, &bob), (&c, &carol)];
    let states = converge(&everyone, &room_id, 80).await;
    assert_same(&states, "after the joins");

    // Every server sends at once, each building on whatever it has heard so far.
    tokio::join!(
        send_burst(&a, &alice, &room_id, 0),
        send_burst(&b, &bob, &room_id, 1),
        send_burst(&c, &carol, &room_id, 2)
    );
    let states = converge(&everyone, &room_id, 120).await;
    assert_same(&states, "after the burst");
    all_messages_everywhere(&everyone, &room_id, 3).await;
}

/// Five messages from `session` as sender number `index`, and (senders 0 and 1) a topic
/// change after the third, one request after the other.
async fn send_burst(server: &TestServer, session: &Session, room_id: &str, index: usize) {
    for n in 0..5 {
        let text = format!("burst {index}.{n}");
        let (status, body) = call(
            server,
            session,
            Method::PUT,
            &room_path(room_id, &format!("send/m.room.message/burst-{index}-{n}")),
            Some(&json!({"msgtype": "m.text", "body": text})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        if index < 2 && n == 2 {
            let (status, body) = put_state(
                server,
                session,
                room_id,
                "m.room.topic",
                "",
                json!({"topic": format!("topic from {index}")}),
            )
            .await;
            assert_eq!(status, 200, "{body}");
        }
    }
}

/// Polls (bounded) until every server's `/messages` holds the bursts of `senders` senders.
async fn all_messages_everywhere(
    servers: &[(&TestServer, &Session)],
    room_id: &str,
    senders: usize,
) {
    let mut expected: Vec<String> = (0..senders)
        .flat_map(|i| (0..5).map(move |n| format!("burst {i}.{n}")))
        .collect();
    expected.sort();
    for (index, (server, session)) in servers.iter().enumerate() {
        let mut bodies = Vec::new();
        for _ in 0..80 {
            bodies = message_bodies(server, session, room_id).await;
            if bodies == expected {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(bodies, expected, "server {index}'s messages");
    }
}

#[tokio::test]
async fn a_server_back_from_downtime_catches_up_on_a_forked_history() {
    let a = tls_server(&Backend::Sqlite).await;
    let b = tls_server(&Backend::Sqlite).await;
    let mut c = tls_server(&Backend::Sqlite).await;
    let alice = register(&a, "alice", "secret-alice").await;
    let bob = register(&b, "bob", "secret-bob").await;
    let carol = register(&c, "carol", "secret-carol").await;
    let bob_id = format!("@bob:{}", b.server_name);
    let room_id = create_room(
        &a,
        &alice,
        json!({"preset": "public_chat", "power_level_content_override": {"users": {
            format!("@alice:{}", a.server_name): 100, bob_id: 100}}}),
    )
    .await;
    join_via(&b, &bob, &room_id, &a.server_name).await;
    join_via(&c, &carol, &room_id, &a.server_name).await;
    let states = converge(&[(&a, &alice), (&b, &bob), (&c, &carol)], &room_id, 80).await;
    assert_same(&states, "after the joins");

    // While C is down, A and B send at once: their events fork and merge, and the queues for
    // C hold events whose prev events C gets only from the other server.
    c.stop().await;
    tokio::join!(
        send_burst(&a, &alice, &room_id, 0),
        send_burst(&b, &bob, &room_id, 1)
    );
    c.resume().await;
    let everyone = [(&a, &alice), (&b, &bob), (&c, &carol)];
    let states = converge(&everyone, &room_id, 120).await;
    assert_same(&states, "after C is back");
    all_messages_everywhere(&everyone, &room_id, 2).await;
}

#[tokio::test]
async fn a_moderator_demoted_during_a_partition_loses_what_they_did_meanwhile() {
    each_backend(|backend| async move { demotion_during_partition(backend).await }).await;
}

async fn demotion_during_partition(backend: Backend) {
    let a = tls_server(&backend).await;
    let b = tls_server(&backend).await;
    let mut c = tls_server(&backend).await;
    let alice = register(&a, "alice", "secret-alice").await;
    let bob = register(&b, "bob", "secret-bob").await;
    let carol = register(&c, "carol", "secret-carol").await;
    let alice_id = format!("@alice:{}", a.server_name);
    let bob_id = format!("@bob:{}", b.server_name);
    let carol_id = format!("@carol:{}", c.server_name);
    let room_id = create_room(&a, &alice, json!({"preset": "public_chat"})).await;
    join_via(&b, &bob, &room_id, &a.server_name).await;
    join_via(&c, &carol, &room_id, &a.server_name).await;
    let levels = |bob_level: i64| {
        json!({"users": {alice_id.clone(): 100, bob_id.clone(): bob_level},
               "state_default": 50, "events_default": 0, "users_default": 0, "kick": 50})
    };
    let (status, body) =
        put_state(&a, &alice, &room_id, "m.room.power_levels", "", levels(50)).await;
    assert_eq!(status, 200, "{body}");
    let states = converge(&[(&a, &alice), (&b, &bob), (&c, &carol)], &room_id, 80).await;
    assert_same(&states, "before the partition");

    // Alice demotes bob on A while bob, not knowing, sets the topic and kicks carol on B.
    c.stop().await;
    cut_link(&a, &b).await;
    let on_a = async {
        let (status, body) =
            put_state(&a, &alice, &room_id, "m.room.power_levels", "", levels(0)).await;
        assert_eq!(status, 200, "alice demotes bob: {body}");
    };
    let on_b = async {
        let (status, body) = put_state(
            &b,
            &bob,
            &room_id,
            "m.room.topic",
            "",
            json!({"topic": "bob's"}),
        )
        .await;
        assert_eq!(status, 200, "bob's topic: {body}");
        let (status, body) = act(&b, &bob, &room_id, "kick", json!({"user_id": carol_id})).await;
        assert_eq!(status, 200, "bob kicks carol: {body}");
    };
    tokio::join!(on_a, on_b);
    heal_link(&a, &b).await;
    c.resume().await;

    // The demotion (by the more powerful sender) is applied first; bob's kick and topic then
    // fail the auth rules in the resolution, on every server.
    let everyone = [(&a, &alice), (&b, &bob), (&c, &carol)];
    let states = converge(&everyone, &room_id, 120).await;
    assert_same(&states, "after the partition");
    assert_eq!(states[0].1["users"][&bob_id], json!(0), "{:?}", states[0].1);
    assert!(
        !states[0]
            .0
            .iter()
            .any(|(kind, _, _)| kind == "m.room.topic"),
        "bob's topic stood: {:?}",
        states[0].0
    );
    for (server, session) in &everyone {
        let (status, member) =
            crate::harness::rooms::get_state(server, session, &room_id, "m.room.member", &carol_id)
                .await;
        assert_eq!(
            (status, &member["membership"]),
            (200, &json!("join")),
            "{member}"
        );
    }

    // Bob can no longer set the topic; carol, still in, is heard on A and B.
    let (status, body) = put_state(
        &b,
        &bob,
        &room_id,
        "m.room.topic",
        "",
        json!({"topic": "again"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = call(
        &c,
        &carol,
        Method::PUT,
        &room_path(&room_id, "send/m.room.message/after-demotion"),
        Some(&json!({"msgtype": "m.text", "body": "carol is still here"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for (server, session) in [(&a, &alice), (&b, &bob)] {
        let seen = sync_until(server, session, &room_id, 30, |e| {
            e["content"]["body"] == "carol is still here"
        })
        .await;
        assert!(seen.is_some(), "carol's message did not arrive");
    }
}
