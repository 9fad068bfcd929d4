//! Profiles (sytest `tests/30rooms/… profile`, `tests/10apidoc/20profile-displayname`,
//! `21profile-avatar_url`): the default display name, setting and removing fields, the limits,
//! other users' profiles, and the new member events a change sends to joined rooms. Every
//! scenario runs on SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, create_room, encode, get_state, membership, room_path};
use crate::harness::{each_backend, register, request, Options, Session, TestServer};

fn profile_path(user_id: &str, field: Option<&str>) -> String {
    match field {
        None => format!("/_matrix/client/v3/profile/{}", encode(user_id)),
        Some(field) => format!("/_matrix/client/v3/profile/{}/{field}", encode(user_id)),
    }
}

async fn put_field(
    server: &TestServer,
    session: &Session,
    user_id: &str,
    field: &str,
    value: Value,
) -> (u16, Value) {
    let body = json!({ field: value });
    let path = profile_path(user_id, Some(field));
    call(server, session, Method::PUT, &path, Some(&body)).await
}

#[tokio::test]
async fn registration_sets_the_localpart_as_display_name_and_anyone_can_read_it() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let path = profile_path(&alice.user_id, None);
        let (status, body) = request(&server, Method::GET, &path, None, None).await;
        assert_eq!((status, body), (200, json!({"displayname": "alice"})));
        let path = profile_path(&alice.user_id, Some("displayname"));
        let (status, body) = request(&server, Method::GET, &path, None, None).await;
        assert_eq!((status, body), (200, json!({"displayname": "alice"})));
        let path = profile_path(&alice.user_id, Some("avatar_url"));
        let (status, body) = request(&server, Method::GET, &path, None, None).await;
        assert_eq!((status, body), (200, json!({})), "no avatar yet");

        let unknown = format!("@nobody:{}", server.server_name);
        for path in [
            profile_path(&unknown, None),
            profile_path(&unknown, Some("displayname")),
        ] {
            let (status, body) = request(&server, Method::GET, &path, None, None).await;
            assert_eq!(
                (status, body["errcode"].as_str()),
                (404, Some("M_NOT_FOUND")),
                "{path}"
            );
        }
        // A user of an unreachable server (nothing listens on loopback port 1): 502, as Synapse.
        let path = profile_path("@someone:127.0.0.1:1", None);
        let (status, _) = request(&server, Method::GET, &path, None, None).await;
        assert_eq!(status, 502, "{path}");
        let (status, body) = request(
            &server,
            Method::GET,
            &profile_path(&alice.user_id, Some("m.custom")),
            None,
            None,
        )
        .await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (404, Some("M_NOT_FOUND"))
        );
    })
    .await;
}

#[tokio::test]
async fn users_set_and_remove_their_own_display_name_and_avatar() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let me = alice.user_id.clone();
        let (status, body) =
            put_field(&server, &alice, &me, "displayname", json!("Alice L.")).await;
        assert_eq!((status, body), (200, json!({})));
        let url = "mxc://example.org/avatar";
        let (status, _) = put_field(&server, &alice, &me, "avatar_url", json!(url)).await;
        assert_eq!(status, 200);
        let path = profile_path(&me, None);
        let (_, body) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!(body, json!({"displayname": "Alice L.", "avatar_url": url}));

        // The r0 path and DELETE work too; an empty value removes as well (Synapse).
        let r0 = format!("/_matrix/client/r0/profile/{}/avatar_url", encode(&me));
        let (status, _) = call(&server, &alice, Method::DELETE, &r0, None).await;
        assert_eq!(status, 200);
        let (status, _) = put_field(&server, &alice, &me, "displayname", json!("")).await;
        assert_eq!(status, 200);
        let (_, body) = call(&server, &bob, Method::GET, &path, None).await;
        assert_eq!(body, json!({}));

        // The capability names the fields that can be set.
        let (_, body) = call(
            &server,
            &alice,
            Method::GET,
            "/_matrix/client/v3/capabilities",
            None,
        )
        .await;
        assert_eq!(
            body["capabilities"]["m.profile_fields"],
            json!({"enabled": true, "allowed": ["displayname", "avatar_url"]})
        );
    })
    .await;
}

#[tokio::test]
async fn profile_changes_are_checked() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let me = alice.user_id.clone();
        let cases = [
            (
                &bob,
                me.as_str(),
                "displayname",
                json!("Mallory"),
                403,
                "M_FORBIDDEN",
            ),
            (
                &alice,
                &me,
                "displayname",
                json!("x".repeat(257)),
                400,
                "M_UNKNOWN",
            ),
            (
                &alice,
                &me,
                "avatar_url",
                json!("x".repeat(1001)),
                400,
                "M_UNKNOWN",
            ),
            (
                &alice,
                &me,
                "displayname",
                json!(42),
                400,
                "M_INVALID_PARAM",
            ),
            (&alice, &me, "m.custom", json!("x"), 403, "M_FORBIDDEN"),
        ];
        for (session, user_id, field, value, status, errcode) in cases {
            let (got, body) = put_field(&server, session, user_id, field, value).await;
            assert_eq!(
                (got, body["errcode"].as_str()),
                (status, Some(errcode)),
                "{field}: {body}"
            );
        }
        let (status, _) =
            put_field(&server, &alice, &me, "displayname", json!("x".repeat(256))).await;
        assert_eq!(status, 200, "256 characters are allowed");
        let path = profile_path(&me, Some("displayname"));
        let (status, body) = call(&server, &alice, Method::PUT, &path, Some(&json!({}))).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (400, Some("M_MISSING_PARAM"))
        );
        let (status, body) = request(
            &server,
            Method::PUT,
            &path,
            None,
            Some(&json!({"displayname": "x"})),
        )
        .await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (401, Some("M_MISSING_TOKEN"))
        );
    })
    .await;
}

#[tokio::test]
async fn member_events_carry_the_profile_and_follow_its_changes() {
    each_backend(|backend| async move {
        let server = TestServer::start_with(Options::open_registration(backend)).await;
        let alice = register(&server, "alice", "wonderland").await;
        let bob = register(&server, "bob", "builder").await;
        let me = alice.user_id.clone();
        let url = "mxc://example.org/a";
        let (status, _) = put_field(&server, &alice, &me, "avatar_url", json!(url)).await;
        assert_eq!(status, 200);
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let other = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let (_, member) = get_state(&server, &alice, &room_id, "m.room.member", &me).await;
        assert_eq!(
            member,
            json!({"membership": "join", "displayname": "alice", "avatar_url": url})
        );
        let (status, _) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200);
        let (_, member) = get_state(&server, &alice, &room_id, "m.room.member", &bob.user_id).await;
        assert_eq!(member, json!({"membership": "join", "displayname": "bob"}));

        let (status, _) = put_field(&server, &alice, &me, "displayname", json!("Queen")).await;
        assert_eq!(status, 200);
        for room in [&room_id, &other] {
            let (_, member) = get_state(&server, &alice, room, "m.room.member", &me).await;
            assert_eq!(
                member,
                json!({"membership": "join", "displayname": "Queen", "avatar_url": url}),
                "{room}"
            );
        }
        // The change is a new event, visible in the full state as well.
        let (status, state) = call(
            &server,
            &bob,
            Method::GET,
            &room_path(&room_id, "state"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let event = state
            .as_array()
            .expect("state")
            .iter()
            .find(|e| e["type"] == "m.room.member" && e["state_key"] == me.as_str())
            .expect("alice's member event");
        assert_eq!(event["content"]["displayname"], "Queen");
        // Setting the same name again sends nothing new.
        let event_path = format!(
            "{}?format=event",
            room_path(&room_id, &format!("state/m.room.member/{}", encode(&me)))
        );
        let (_, before) = call(&server, &alice, Method::GET, &event_path, None).await;
        let (status, _) = put_field(&server, &alice, &me, "displayname", json!("Queen")).await;
        assert_eq!(status, 200);
        let (_, after) = call(&server, &alice, Method::GET, &event_path, None).await;
        assert_eq!(before["event_id"], after["event_id"]);
        // A room Alice left is not touched.
        let (status, _) = membership(&server, &alice, &other, "leave", json!({})).await;
        assert_eq!(status, 200);
        let (status, _) = put_field(&server, &alice, &me, "displayname", json!("Again")).await;
        assert_eq!(status, 200);
        let (_, member) = get_state(&server, &alice, &other, "m.room.member", &me).await;
        assert_eq!(member["membership"], "leave");
    })
    .await;
}

#[tokio::test]
async fn shared_secret_registration_stores_the_display_name() {
    use hmac::{Hmac, Mac};
    each_backend(|backend| async move {
        let options = Options {
            registration_shared_secret: Some("s3cret".to_owned()),
            ..Options::open_registration(backend)
        };
        let server = TestServer::start_with(options).await;
        let path = "/_synapse/admin/v1/register";
        let (_, body) = request(&server, Method::GET, path, None, None).await;
        let nonce = body["nonce"].as_str().expect("nonce").to_owned();
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(b"s3cret").expect("key");
        mac.update(format!("{nonce}\0carol\0pw\0notadmin").as_bytes());
        let mac: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let body = json!({
            "nonce": nonce, "username": "carol", "password": "pw",
            "displayname": "Carol C.", "mac": mac,
        });
        let (status, body) = request(&server, Method::POST, path, None, Some(&body)).await;
        assert_eq!(status, 200, "{body}");
        let user_id = body["user_id"].as_str().expect("user_id");
        let (_, profile) = request(
            &server,
            Method::GET,
            &profile_path(user_id, None),
            None,
            None,
        )
        .await;
        assert_eq!(profile, json!({"displayname": "Carol C."}));
    })
    .await;
}
