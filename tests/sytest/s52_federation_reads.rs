//! Another server reads a room over federation (server-server § "Retrieving events",
//! § "Retrieving event authorisation information", § "Backfilling and retrieving missing
//! events"): two Concord servers over HTTPS, every request X-Matrix-signed by the reading
//! server and authenticated by the room's server with the reader's key fetched over TLS.
//!
//! Most scenarios read as a server with no user in the room, so it reads only what is
//! `world_readable`, and only while the room's server ACL allows it (everything else is 403);
//! the last one reads as a server whose user joined over federation.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::pdu::Pdu;
use state_res::room_version::RoomVersion;

use crate::harness::federation::federation_request;
use crate::harness::rooms::{
    call, create_room, encode, join_via, membership, put_state, room_path, send_message,
};
use crate::harness::{client, each_backend, register, Backend, Options, Session, TestServer};

async fn tls_server(backend: Backend) -> TestServer {
    TestServer::start_with(Options {
        tls: true,
        enable_registration: true,
        backend,
        ..Options::default()
    })
    .await
}

/// The event id of a PDU of a v10 room (v10 PDUs carry none: it is the reference hash).
fn event_id_of(pdu: &Value) -> String {
    let object: Object = serde_json::from_value(pdu.clone()).expect("PDU object");
    Pdu::from_json(object, &RoomVersion::V10)
        .unwrap_or_else(|e| panic!("valid PDU {pdu}: {e}"))
        .event_id()
        .to_owned()
}

fn ids_of(pdus: &Value) -> Vec<String> {
    pdus.as_array()
        .unwrap_or_else(|| panic!("a PDU list: {pdus}"))
        .iter()
        .map(event_id_of)
        .collect()
}

fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|id| id.as_str().expect("an id").to_owned())
        .collect()
}

fn assert_unique(ids: &[String], what: &str) {
    let set: HashSet<&String> = ids.iter().collect();
    assert_eq!(set.len(), ids.len(), "{what} has duplicates: {ids:?}");
}

/// The current state's event ids by `(type, state_key)`, read by a member.
async fn state_ids(
    server: &TestServer,
    session: &Session,
    room_id: &str,
) -> Vec<(String, String, String)> {
    let (status, state) = call(
        server,
        session,
        Method::GET,
        &room_path(room_id, "state"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{state}");
    state
        .as_array()
        .expect("state list")
        .iter()
        .map(|e| {
            (
                e["type"].as_str().expect("type").to_owned(),
                e["state_key"].as_str().expect("state key").to_owned(),
                e["event_id"].as_str().expect("event id").to_owned(),
            )
        })
        .collect()
}

fn state_event(state: &[(String, String, String)], event_type: &str, state_key: &str) -> String {
    state
        .iter()
        .find(|(t, k, _)| t == event_type && k == state_key)
        .map(|(_, _, id)| id.clone())
        .unwrap_or_else(|| panic!("{event_type} {state_key:?} in {state:?}"))
}

async fn put_state_id(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    event_type: &str,
    content: Value,
) -> String {
    let (status, body) = put_state(server, session, room_id, event_type, "", content).await;
    assert_eq!(status, 200, "{body}");
    body["event_id"].as_str().expect("event id").to_owned()
}

/// A signed GET from `from` to `to`.
async fn fget(from: &TestServer, to: &TestServer, path: &str) -> (u16, Value) {
    federation_request(from, to, Method::GET, path, None).await
}

/// `POST /get_missing_events/{room}` (an encoded room id) with one earliest and one latest
/// event and the fields of `extra`.
async fn missing(
    from: &TestServer,
    to: &TestServer,
    room: &str,
    earliest: &str,
    latest: &str,
    extra: Value,
) -> (u16, Value) {
    let mut body = json!({"earliest_events": [earliest], "latest_events": [latest]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let path = format!("/_matrix/federation/v1/get_missing_events/{room}");
    federation_request(from, to, Method::POST, &path, Some(&body)).await
}

fn world_readable_room() -> Value {
    json!({
        "preset": "public_chat",
        "initial_state": [{
            "type": "m.room.history_visibility",
            "state_key": "",
            "content": {"history_visibility": "world_readable"},
        }],
    })
}

/// A `world_readable` room on `home` (alice, and bob who joined after the join rules were
/// set, so they are in an auth chain), a second server `reader` with no user in it, and the
/// room's events: `m1, name1, m2, name2, m3, m4, m5` (messages and two `m.room.name` events).
struct Fixture {
    home: TestServer,
    reader: TestServer,
    alice: Session,
    room_id: String,
    /// `room_id` percent-encoded.
    room: String,
    m: [String; 5],
    name1: String,
    name2: String,
    /// The current state: `(type, state_key, event_id)`.
    state: Vec<(String, String, String)>,
    create: String,
    power_levels: String,
    join_rules: String,
    /// alice's join.
    join: String,
}

async fn fixture(backend: Backend) -> Fixture {
    let home = tls_server(backend).await;
    let reader = tls_server(Backend::Sqlite).await;
    let alice = register(&home, "alice", "secret-alice").await;
    let alice_id = format!("@alice:{}", home.server_name);
    let room_id = create_room(&home, &alice, world_readable_room()).await;
    let bob = register(&home, "bob", "secret-bob").await;
    let (status, body) = membership(&home, &bob, &room_id, "join", json!({})).await;
    assert_eq!(status, 200, "{body}");
    let m1 = send_message(&home, &alice, &room_id, "one").await;
    let name1 = put_state_id(
        &home,
        &alice,
        &room_id,
        "m.room.name",
        json!({"name": "First"}),
    )
    .await;
    let m2 = send_message(&home, &alice, &room_id, "two").await;
    let name2 = put_state_id(
        &home,
        &alice,
        &room_id,
        "m.room.name",
        json!({"name": "Second"}),
    )
    .await;
    let m3 = send_message(&home, &alice, &room_id, "three").await;
    let m4 = send_message(&home, &alice, &room_id, "four").await;
    let m5 = send_message(&home, &alice, &room_id, "five").await;
    let state = state_ids(&home, &alice, &room_id).await;
    Fixture {
        create: state_event(&state, "m.room.create", ""),
        power_levels: state_event(&state, "m.room.power_levels", ""),
        join_rules: state_event(&state, "m.room.join_rules", ""),
        join: state_event(&state, "m.room.member", &alice_id),
        room: encode(&room_id),
        home,
        reader,
        alice,
        room_id,
        m: [m1, m2, m3, m4, m5],
        name1,
        name2,
        state,
    }
}

#[tokio::test]
async fn another_server_reads_an_event_and_the_state_before_events() {
    each_backend(|backend| async move {
        let Fixture {
            home,
            reader,
            alice: _,
            room_id,
            room,
            m,
            name1,
            name2,
            state,
            create,
            power_levels,
            join_rules,
            join,
        } = fixture(backend).await;
        let [m1, _, m3, _, _] = m;

        // One event, as a transaction of one PDU.
        let (status, body) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/event/{}", encode(&m1)),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["origin"], json!(home.server_name), "{body}");
        assert!(body["origin_server_ts"].is_u64(), "{body}");
        let pdu = &body["pdus"][0];
        assert_eq!(event_id_of(pdu), m1);
        assert_eq!(
            (&pdu["type"], &pdu["content"]["body"]),
            (&json!("m.room.message"), &json!("one"))
        );
        assert_eq!(pdu["room_id"], json!(room_id));
        assert!(
            pdu.get("unsigned").is_none() && pdu["signatures"][&home.server_name].is_object(),
            "{pdu}"
        );

        // The state before a message, as ids and as PDUs: the same events.
        let (status, ids) = fget(
            &reader,
            &home,
            &format!(
                "/_matrix/federation/v1/state_ids/{room}?event_id={}",
                encode(&m3)
            ),
        )
        .await;
        assert_eq!(status, 200, "{ids}");
        let pdu_ids = strings(&ids["pdu_ids"]);
        let auth_chain_ids = strings(&ids["auth_chain_ids"]);
        assert_unique(&pdu_ids, "pdu_ids");
        assert_unique(&auth_chain_ids, "auth_chain_ids");
        let current: HashSet<String> = state.iter().map(|(_, _, id)| id.clone()).collect();
        assert_eq!(
            pdu_ids.iter().cloned().collect::<HashSet<_>>(),
            current,
            "nothing changed since m3"
        );
        for id in [&create, &power_levels, &join_rules, &join] {
            assert!(
                auth_chain_ids.contains(id),
                "{id} in the auth chain {auth_chain_ids:?}"
            );
        }
        let (status, full) = fget(
            &reader,
            &home,
            &format!(
                "/_matrix/federation/v1/state/{room}?event_id={}",
                encode(&m3)
            ),
        )
        .await;
        assert_eq!(status, 200, "{full}");
        let mut from_pdus = ids_of(&full["pdus"]);
        let mut chain_from_pdus = ids_of(&full["auth_chain"]);
        let (mut expected, mut expected_chain) = (pdu_ids.clone(), auth_chain_ids.clone());
        for list in [
            &mut from_pdus,
            &mut chain_from_pdus,
            &mut expected,
            &mut expected_chain,
        ] {
            list.sort();
        }
        assert_eq!((from_pdus, chain_from_pdus), (expected, expected_chain));

        // The state before a state event is the state it changed: the previous name.
        let (status, before) = fget(
            &reader,
            &home,
            &format!(
                "/_matrix/federation/v1/state_ids/{room}?event_id={}",
                encode(&name2)
            ),
        )
        .await;
        assert_eq!(status, 200, "{before}");
        let before = strings(&before["pdu_ids"]);
        assert!(
            before.contains(&name1) && !before.contains(&name2),
            "{before:?}"
        );
        let (_, at_create) = fget(
            &reader,
            &home,
            &format!(
                "/_matrix/federation/v1/state_ids/{room}?event_id={}",
                encode(&create)
            ),
        )
        .await;
        assert_eq!(at_create, json!({"pdu_ids": [], "auth_chain_ids": []}));
    })
    .await;
}

#[tokio::test]
async fn another_server_reads_auth_chains_and_backfills_deepest_first() {
    each_backend(|backend| async move {
        let Fixture {
            home,
            reader,
            alice: _,
            room_id: _,
            room,
            m,
            name1: _,
            name2: _,
            state,
            create,
            power_levels,
            join_rules: _,
            join,
        } = fixture(backend).await;
        let [m1, m2, m3, m4, m5] = m;

        // The auth chain of a message: create, power levels, the sender's join (recursively).
        let (status, auth) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/event_auth/{room}/{}", encode(&m2)),
        )
        .await;
        assert_eq!(status, 200, "{auth}");
        let chain = ids_of(&auth["auth_chain"]);
        assert_unique(&chain, "auth_chain");
        for id in [&create, &power_levels, &join] {
            assert!(chain.contains(id), "{id} in {chain:?}");
        }
        assert!(!chain.contains(&m2) && !chain.contains(&m1), "{chain:?}");

        // Backfill: the v events and their ancestors, deepest first, up to the limit.
        let (status, back) = fget(
            &reader,
            &home,
            &format!(
                "/_matrix/federation/v1/backfill/{room}?v={}&limit=3",
                encode(&m5)
            ),
        )
        .await;
        assert_eq!(status, 200, "{back}");
        assert_eq!(back["origin"], json!(home.server_name));
        assert_eq!(
            ids_of(&back["pdus"]),
            vec![m5.clone(), m4.clone(), m3.clone()]
        );
        let (status, all) = fget(
            &reader,
            &home,
            &format!(
                "/_matrix/federation/v1/backfill/{room}?v={}&v={}&limit=1000",
                encode(&m5),
                encode(&m2)
            ),
        )
        .await;
        assert_eq!(status, 200, "{all}");
        let pdus = all["pdus"].as_array().expect("pdus");
        let depths: Vec<i64> = pdus
            .iter()
            .map(|p| p["depth"].as_i64().expect("depth"))
            .collect();
        assert!(
            depths.windows(2).all(|w| w[0] > w[1]),
            "deepest first: {depths:?}"
        );
        let all_ids = ids_of(&all["pdus"]);
        assert_unique(&all_ids, "backfill");
        assert_eq!(all_ids.last(), Some(&create), "back to the create event");
        // Every event: the state's, the first name it replaced, and the five messages.
        assert_eq!(all_ids.len(), state.len() + 6, "every event of the room");
    })
    .await;
}

#[tokio::test]
async fn another_server_gets_the_missing_events_between_what_it_has_and_saw() {
    each_backend(|backend| async move {
        let Fixture {
            home,
            reader,
            alice: _,
            room_id: _,
            room,
            m,
            name1: _,
            name2,
            state: _,
            create: _,
            power_levels: _,
            join_rules: _,
            join: _,
        } = fixture(backend).await;
        let [m1, m2, m3, m4, m5] = m;

        // Missing events: between what the reader has and what it saw, oldest first.
        let (status, gap) = missing(&reader, &home, &room, &m2, &m5, json!({})).await;
        assert_eq!(status, 200, "{gap}");
        assert_eq!(
            ids_of(&gap["events"]),
            vec![name2.clone(), m3.clone(), m4.clone()]
        );
        let (_, limited) = missing(&reader, &home, &room, &m1, &m5, json!({"limit": 2})).await;
        assert_eq!(ids_of(&limited["events"]), vec![m3.clone(), m4.clone()]);
        let (_, m3_event) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/event/{}", encode(&m3)),
        )
        .await;
        let m3_depth = m3_event["pdus"][0]["depth"].as_i64().expect("m3 depth");
        let (_, deep) = missing(
            &reader,
            &home,
            &room,
            &m1,
            &m5,
            json!({"min_depth": m3_depth}),
        )
        .await;
        assert_eq!(ids_of(&deep["events"]), vec![m3.clone(), m4.clone()]);
    })
    .await;
}

#[tokio::test]
async fn unknown_events_are_404_and_malformed_or_unsigned_requests_refused() {
    each_backend(|backend| async move {
        let Fixture {
            home,
            reader,
            alice,
            room_id: _,
            room,
            m,
            name1: _,
            name2: _,
            state: _,
            create: _,
            power_levels: _,
            join_rules: _,
            join: _,
        } = fixture(backend).await;
        let [m1, _, _, _, _] = m;

        // Unknown events, and events named under another room, are 404.
        let unknown = "$unknownunknownunknownunknownunknownunknow";
        let other_room = create_room(&home, &alice, world_readable_room()).await;
        for path in [
            format!("/_matrix/federation/v1/event/{}", encode(unknown)),
            format!(
                "/_matrix/federation/v1/state_ids/{room}?event_id={}",
                encode(unknown)
            ),
            format!(
                "/_matrix/federation/v1/state/{room}?event_id={}",
                encode(unknown)
            ),
            format!(
                "/_matrix/federation/v1/event_auth/{room}/{}",
                encode(unknown)
            ),
            format!(
                "/_matrix/federation/v1/state_ids/{}?event_id={}",
                encode(&other_room),
                encode(&m1)
            ),
            format!(
                "/_matrix/federation/v1/event_auth/{}/{}",
                encode(&other_room),
                encode(&m1)
            ),
            format!(
                "/_matrix/federation/v1/backfill/{}?v={}&limit=5",
                encode("!nowhere:example.org"),
                encode(&m1)
            ),
        ] {
            let (status, body) = fget(&reader, &home, &path).await;
            assert_eq!(
                (status, &body["errcode"]),
                (404, &json!("M_NOT_FOUND")),
                "{path}: {body}"
            );
        }
        // Parameters.
        let (status, body) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/backfill/{room}?v={}", encode(&m1)),
        )
        .await;
        assert_eq!(
            (status, &body["errcode"]),
            (400, &json!("M_MISSING_PARAM")),
            "{body}"
        );
        let (status, body) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/state_ids/{room}"),
        )
        .await;
        assert_eq!(
            (status, &body["errcode"]),
            (400, &json!("M_MISSING_PARAM")),
            "{body}"
        );

        // Unsigned requests are 401.
        let response = client()
            .get(home.url(&format!("/_matrix/federation/v1/event/{}", encode(&m1))))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 401);
    })
    .await;
}

#[tokio::test]
async fn servers_without_members_or_denied_by_the_acl_are_refused() {
    each_backend(|backend| async move {
        let home = tls_server(backend).await;
        let reader = tls_server(Backend::Sqlite).await;
        let alice = register(&home, "alice", "secret-alice").await;
        // `shared` history (the public_chat preset's default).
        let room_id = create_room(&home, &alice, json!({"preset": "public_chat"})).await;
        let message = send_message(&home, &alice, &room_id, "members only").await;
        let (room, event) = (encode(&room_id), encode(&message));
        for path in [
            format!("/_matrix/federation/v1/event/{event}"),
            format!("/_matrix/federation/v1/state_ids/{room}?event_id={event}"),
            format!("/_matrix/federation/v1/state/{room}?event_id={event}"),
            format!("/_matrix/federation/v1/event_auth/{room}/{event}"),
            format!("/_matrix/federation/v1/backfill/{room}?v={event}&limit=10"),
        ] {
            let (status, body) = fget(&reader, &home, &path).await;
            assert_eq!(
                (status, &body["errcode"]),
                (403, &json!("M_FORBIDDEN")),
                "{path}: {body}"
            );
        }
        let body = json!({"earliest_events": [], "latest_events": [message]});
        let path = format!("/_matrix/federation/v1/get_missing_events/{room}");
        let (status, body) =
            federation_request(&reader, &home, Method::POST, &path, Some(&body)).await;
        assert_eq!(
            (status, &body["errcode"]),
            (403, &json!("M_FORBIDDEN")),
            "{body}"
        );

        // Once world readable, the same server reads it.
        put_state_id(
            &home,
            &alice,
            &room_id,
            "m.room.history_visibility",
            json!({"history_visibility": "world_readable"}),
        )
        .await;
        let (status, body) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/event/{event}"),
        )
        .await;
        assert_eq!(status, 200, "{body}");

        // A server the room's ACL denies (by host, any port) reads nothing.
        let host = reader
            .server_name
            .rsplit_once(':')
            .map_or("", |(host, _)| host);
        put_state_id(
            &home,
            &alice,
            &room_id,
            "m.room.server_acl",
            json!({"allow": ["*"], "deny": [host]}),
        )
        .await;
        for path in [
            format!("/_matrix/federation/v1/event/{event}"),
            format!("/_matrix/federation/v1/backfill/{room}?v={event}&limit=10"),
        ] {
            let (status, body) = fget(&reader, &home, &path).await;
            assert_eq!(
                (status, &body["errcode"]),
                (403, &json!("M_FORBIDDEN")),
                "{path}: {body}"
            );
            assert!(
                body["error"].as_str().is_some_and(|e| e.contains("ACL")),
                "{body}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn history_hidden_from_a_server_is_served_redacted() {
    each_backend(|backend| async move {
        let home = tls_server(backend).await;
        let reader = tls_server(Backend::Sqlite).await;
        let alice = register(&home, "alice", "secret-alice").await;
        let room_id = create_room(&home, &alice, json!({"preset": "public_chat"})).await;
        put_state_id(
            &home,
            &alice,
            &room_id,
            "m.room.history_visibility",
            json!({"history_visibility": "joined"}),
        )
        .await;
        let secret = send_message(&home, &alice, &room_id, "joined members only").await;
        put_state_id(
            &home,
            &alice,
            &room_id,
            "m.room.history_visibility",
            json!({"history_visibility": "world_readable"}),
        )
        .await;
        let public = send_message(&home, &alice, &room_id, "for everyone").await;
        let oops = send_message(&home, &alice, &room_id, "oops").await;
        let path = room_path(&room_id, &format!("redact/{}/r1", encode(&oops)));
        let (status, body) = call(
            &home,
            &alice,
            Method::PUT,
            &path,
            Some(&json!({"reason": "typo"})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let redaction = body["event_id"].as_str().expect("redaction id").to_owned();

        let (status, body) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/event/{}", encode(&secret)),
        )
        .await;
        // Sent while only joined members could see it: the reader gets the redacted form.
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["pdus"][0]["content"], json!({}), "{body}");
        assert_eq!(event_id_of(&body["pdus"][0]), secret);
        let (status, body) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/event/{}", encode(&public)),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["pdus"][0]["content"]["body"], json!("for everyone"));
        // A redacted event is served pruned (its id, from the redacted form, is unchanged).
        let (status, body) = fget(
            &reader,
            &home,
            &format!("/_matrix/federation/v1/event/{}", encode(&oops)),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["pdus"][0]["content"], json!({}), "{body}");
        assert_eq!(event_id_of(&body["pdus"][0]), oops);

        let (status, back) = fget(
            &reader,
            &home,
            &format!(
                "/_matrix/federation/v1/backfill/{}?v={}&limit=6",
                encode(&room_id),
                encode(&redaction)
            ),
        )
        .await;
        assert_eq!(status, 200, "{back}");
        let pdus = back["pdus"].as_array().expect("pdus");
        let by_id = |id: &str| {
            pdus.iter()
                .find(|p| event_id_of(p) == id)
                .unwrap_or_else(|| panic!("{id} in {back}"))
        };
        assert_eq!(by_id(&secret)["content"], json!({}), "hidden: redacted");
        assert_eq!(by_id(&public)["content"]["body"], json!("for everyone"));
        assert_eq!(by_id(&oops)["content"], json!({}));
    })
    .await;
}

#[tokio::test]
async fn a_server_with_a_joined_member_reads_the_history_its_members_may_see() {
    each_backend(|backend| async move {
        let home = tls_server(backend).await;
        let remote = tls_server(Backend::Sqlite).await;
        let alice = register(&home, "alice", "secret-alice").await;
        let bob = register(&remote, "bob", "secret-bob").await;
        let bob_id = format!("@bob:{}", remote.server_name);
        let room_id = create_room(&home, &alice, json!({"preset": "public_chat"})).await;
        put_state_id(
            &home,
            &alice,
            &room_id,
            "m.room.history_visibility",
            json!({"history_visibility": "joined"}),
        )
        .await;
        let before = send_message(&home, &alice, &room_id, "before bob").await;
        join_via(&remote, &bob, &room_id, &home.server_name).await;
        let after = send_message(&home, &alice, &room_id, "after bob").await;
        let state = state_ids(&home, &alice, &room_id).await;
        let bob_join = state_event(&state, "m.room.member", &bob_id);
        let room = encode(&room_id);

        // Not world readable, but `remote` has a joined member now.
        let (status, ids) = fget(
            &remote,
            &home,
            &format!(
                "/_matrix/federation/v1/state_ids/{room}?event_id={}",
                encode(&after)
            ),
        )
        .await;
        assert_eq!(status, 200, "{ids}");
        assert!(strings(&ids["pdu_ids"]).contains(&bob_join), "{ids}");
        // The state before bob's join does not hold it.
        let (status, ids) = fget(
            &remote,
            &home,
            &format!(
                "/_matrix/federation/v1/state_ids/{room}?event_id={}",
                encode(&bob_join)
            ),
        )
        .await;
        assert_eq!(status, 200, "{ids}");
        assert!(!strings(&ids["pdu_ids"]).contains(&bob_join), "{ids}");

        // `joined` history: what was sent before bob joined comes redacted, the rest whole.
        let (status, back) = fget(
            &remote,
            &home,
            &format!(
                "/_matrix/federation/v1/backfill/{room}?v={}&limit=3",
                encode(&after)
            ),
        )
        .await;
        assert_eq!(status, 200, "{back}");
        assert_eq!(
            ids_of(&back["pdus"]),
            vec![after.clone(), bob_join, before.clone()]
        );
        assert_eq!(back["pdus"][0]["content"]["body"], json!("after bob"));
        assert_eq!(back["pdus"][2]["content"], json!({}), "{back}");

        // A third server, with nobody in the room, is refused.
        let stranger = tls_server(Backend::Sqlite).await;
        let (status, body) = fget(
            &stranger,
            &home,
            &format!("/_matrix/federation/v1/event/{}", encode(&after)),
        )
        .await;
        assert_eq!(
            (status, &body["errcode"]),
            (403, &json!("M_FORBIDDEN")),
            "{body}"
        );
    })
    .await;
}
