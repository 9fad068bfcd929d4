//! `POST /createRoom`: presets, room versions, initial state, invites.

use reqwest::Method;
use serde_json::{json, Value};

use super::{alice_and_bob, errcode};
use crate::harness::each_backend;
use crate::harness::rooms::{
    call, create_room, encode, get_state, joined_rooms, membership_of, room_path, send_message,
};

/// The state events of a room as `(type, state_key) → content`, read by `GET /state`.
async fn state_of(
    server: &crate::harness::TestServer,
    session: &crate::harness::Session,
    room_id: &str,
) -> std::collections::BTreeMap<(String, String), Value> {
    let (status, body) = call(
        server,
        session,
        Method::GET,
        &room_path(room_id, "state"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .expect("a list of events")
        .iter()
        .map(|event| {
            assert_eq!(event["room_id"], room_id, "{event}");
            let key = (
                event["type"].as_str().unwrap_or_default().to_owned(),
                event["state_key"].as_str().expect("state_key").to_owned(),
            );
            (key, event["content"].clone())
        })
        .collect()
}

fn key(event_type: &str, state_key: &str) -> (String, String) {
    (event_type.to_owned(), state_key.to_owned())
}

#[tokio::test]
async fn rooms_can_be_created_with_each_preset() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let cases = [
            ("private_chat", "invite", Some("can_join"), 0),
            ("trusted_private_chat", "invite", Some("can_join"), 0),
            ("public_chat", "public", None, 50),
        ];
        let mut created = Vec::new();
        for (preset, join_rule, guest_access, invite_level) in cases {
            let body = json!({"preset": preset, "name": "Tea", "topic": "Cups"});
            let room_id = create_room(&server, &alice, body).await;
            let state = state_of(&server, &alice, &room_id).await;
            assert_eq!(state[&key("m.room.create", "")]["creator"], alice.user_id);
            assert_eq!(state[&key("m.room.create", "")]["room_version"], "10");
            assert_eq!(
                state[&key("m.room.member", &alice.user_id)]["membership"],
                "join"
            );
            assert_eq!(
                state[&key("m.room.join_rules", "")]["join_rule"],
                join_rule,
                "{preset}"
            );
            assert_eq!(
                state[&key("m.room.history_visibility", "")]["history_visibility"],
                "shared"
            );
            let guests = state.get(&key("m.room.guest_access", ""));
            assert_eq!(
                guests.map(|c| c["guest_access"].clone()),
                guest_access.map(Value::from)
            );
            let levels = &state[&key("m.room.power_levels", "")];
            assert_eq!(levels["users"][&alice.user_id], 100, "{levels}");
            assert_eq!(levels["invite"], invite_level, "{preset}");
            assert_eq!(state[&key("m.room.name", "")]["name"], "Tea");
            assert_eq!(state[&key("m.room.topic", "")]["topic"], "Cups");
            created.push(room_id);
        }
        let mut joined = joined_rooms(&server, &alice).await;
        joined.sort();
        created.sort();
        assert_eq!(joined, created);
    })
    .await;
}

#[tokio::test]
async fn rooms_of_versions_1_6_10_11_and_12_can_be_created_and_used() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        for version in ["1", "6", "10", "11", "12"] {
            let body = json!({"room_version": version, "preset": "public_chat"});
            let room_id = create_room(&server, &alice, body).await;
            assert_eq!(room_id.contains(':'), version != "12", "{room_id}");
            let (status, create) = get_state(&server, &alice, &room_id, "m.room.create", "").await;
            assert_eq!(status, 200);
            assert_eq!(create["room_version"], version);
            assert_eq!(
                create.get("creator").is_some(),
                version != "11" && version != "12"
            );
            let (status, levels) =
                get_state(&server, &alice, &room_id, "m.room.power_levels", "").await;
            assert_eq!(status, 200);
            // v12 creators have infinite power and are not listed.
            assert_eq!(
                levels["users"].get(&alice.user_id).is_some(),
                version != "12"
            );
            let (status, body) = call(
                &server,
                &bob,
                Method::POST,
                &room_path(&room_id, "join"),
                Some(&json!({})),
            )
            .await;
            assert_eq!(status, 200, "v{version}: {body}");
            let event_id = send_message(&server, &bob, &room_id, "hello").await;
            let path = room_path(&room_id, &format!("event/{}", encode(&event_id)));
            let (status, event) = call(&server, &alice, Method::GET, &path, None).await;
            assert_eq!(status, 200, "v{version}: {event}");
            assert_eq!(
                (event["event_id"].as_str(), event["sender"].as_str()),
                (Some(event_id.as_str()), Some(bob.user_id.as_str()))
            );
            assert_eq!(event["content"]["body"], "hello");
        }
        let body = json!({"room_version": "13"});
        let (status, body) = call(
            &server,
            &alice,
            Method::POST,
            "/_matrix/client/v3/createRoom",
            Some(&body),
        )
        .await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some("M_UNSUPPORTED_ROOM_VERSION"))
        );
    })
    .await;
}

#[tokio::test]
async fn create_room_applies_initial_state_overrides_and_invites() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let body = json!({
            "preset": "trusted_private_chat",
            "invite": [bob.user_id],
            "is_direct": true,
            "power_level_content_override": {"events_default": 10},
            "initial_state": [
                {"type": "m.room.history_visibility", "content": {"history_visibility": "joined"}},
                {"type": "org.example.custom", "state_key": "k", "content": {"a": 1}},
            ],
            "creation_content": {"m.federate": false},
        });
        let room_id = create_room(&server, &alice, body).await;
        let state = state_of(&server, &alice, &room_id).await;
        assert_eq!(state[&key("m.room.create", "")]["m.federate"], false);
        let levels = &state[&key("m.room.power_levels", "")];
        assert_eq!(
            (
                levels["events_default"].clone(),
                levels["users"][&bob.user_id].clone()
            ),
            (json!(10), json!(100))
        );
        assert_eq!(
            state[&key("m.room.history_visibility", "")]["history_visibility"],
            "joined"
        );
        assert_eq!(state[&key("org.example.custom", "k")], json!({"a": 1}));
        let invite = &state[&key("m.room.member", &bob.user_id)];
        assert_eq!(
            (invite["membership"].as_str(), invite["is_direct"].as_bool()),
            (Some("invite"), Some(true))
        );
        assert_eq!(joined_rooms(&server, &bob).await, Vec::<String>::new());
        let (status, _) = call(
            &server,
            &bob,
            Method::POST,
            &room_path(&room_id, "join"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            membership_of(&server, &alice, &room_id, &bob.user_id)
                .await
                .as_deref(),
            Some("join")
        );

        // State the auth rules reject is the request's fault: 400 M_INVALID_ROOM_STATE.
        let body = json!({"power_level_content_override": {"users": {alice.user_id.as_str(): 0}}});
        let (status, body) = call(
            &server,
            &alice,
            Method::POST,
            "/_matrix/client/v3/createRoom",
            Some(&body),
        )
        .await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some("M_INVALID_ROOM_STATE")),
            "{body}"
        );
        for (body, expected) in [
            (
                json!({"invite": ["@nobody:nowhere.example"]}),
                (403, "M_FORBIDDEN"),
            ),
            (
                json!({"invite": [format!("@ghost:{}", server.server_name)]}),
                (404, "M_NOT_FOUND"),
            ),
            (json!({"invite": ["not-a-user"]}), (400, "M_INVALID_PARAM")),
            (json!({"preset": "party"}), (400, "M_BAD_JSON")),
        ] {
            let (status, response) = call(
                &server,
                &alice,
                Method::POST,
                "/_matrix/client/v3/createRoom",
                Some(&body),
            )
            .await;
            assert_eq!(
                (status, errcode(&response)),
                (expected.0, Some(expected.1)),
                "{body}: {response}"
            );
        }
    })
    .await;
}
