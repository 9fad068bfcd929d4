//! Account data and room tags (sytest `tests/32room-tags`, `tests/31sync/…account-data`):
//! set, read, the forbidden cases, and delivery through `/sync`, including waking a long-poll.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::rooms::{call, create_room, encode};
use crate::harness::{each_backend, register, Options, Session, TestServer};

async fn alice_and_bob(backend: crate::harness::Backend) -> (TestServer, Session, Session) {
    let server = TestServer::start_with(Options::open_registration(backend)).await;
    let alice = register(&server, "alice", "wonderland").await;
    let bob = register(&server, "bob", "builder").await;
    (server, alice, bob)
}

fn user_path(user_id: &str, rest: &str) -> String {
    format!("/_matrix/client/v3/user/{}/{rest}", encode(user_id))
}

async fn sync(server: &TestServer, session: &Session, query: &str) -> Value {
    let path = format!("/_matrix/client/v3/sync?{query}");
    let (status, body) = call(server, session, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn errcode(body: &Value) -> Option<&str> {
    body["errcode"].as_str()
}

#[tokio::test]
async fn account_data_is_set_read_and_synced() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let global = user_path(&alice.user_id, "account_data/org.example.settings");
        let (status, body) = call(&server, &alice, Method::GET, &global, None).await;
        assert_eq!(
            (status, errcode(&body)),
            (404, Some("M_NOT_FOUND")),
            "{body}"
        );
        let token = sync(&server, &alice, "timeout=0").await["next_batch"]
            .as_str()
            .expect("next_batch")
            .to_owned();

        let content = json!({"theme": "dark"});
        let (status, body) = call(&server, &alice, Method::PUT, &global, Some(&content)).await;
        assert_eq!((status, &body), (200, &json!({})));
        let (status, body) = call(&server, &alice, Method::GET, &global, None).await;
        assert_eq!((status, &body), (200, &content));
        let room_path = user_path(
            &alice.user_id,
            &format!("rooms/{}/account_data/org.example.room", encode(&room_id)),
        );
        let room_content = json!({"pinned": true});
        let (status, body) = call(
            &server,
            &alice,
            Method::PUT,
            &room_path,
            Some(&room_content),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = call(&server, &alice, Method::GET, &room_path, None).await;
        assert_eq!((status, &body), (200, &room_content));

        // Other users' account data is out of reach.
        let (status, body) = call(&server, &bob, Method::GET, &global, None).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let (status, body) = call(&server, &bob, Method::PUT, &global, Some(&content)).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        // Types with their own endpoints.
        for kind in ["m.push_rules", "m.fully_read"] {
            let path = user_path(&alice.user_id, &format!("account_data/{kind}"));
            let (status, body) = call(&server, &alice, Method::PUT, &path, Some(&json!({}))).await;
            assert_eq!(
                (status, errcode(&body)),
                (405, Some("M_BAD_JSON")),
                "{kind}: {body}"
            );
        }
        let bad_room = user_path(&alice.user_id, "rooms/not-a-room/account_data/x");
        let (status, body) = call(&server, &alice, Method::PUT, &bad_room, Some(&json!({}))).await;
        assert_eq!(
            (status, errcode(&body)),
            (400, Some("M_INVALID_PARAM")),
            "{body}"
        );

        // Incremental sync: the changes, global and per room.
        let query = format!("timeout=0&since={}", encode(&token));
        let body = sync(&server, &alice, &query).await;
        assert_eq!(
            body["account_data"]["events"],
            json!([{"type": "org.example.settings", "content": content}]),
            "{body}"
        );
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(
            room["account_data"]["events"],
            json!([{"type": "org.example.room", "content": room_content}]),
            "{body}"
        );
        // Initial sync: all of it.
        let body = sync(&server, &alice, "timeout=0").await;
        assert_eq!(
            body["account_data"]["events"][0]["type"],
            "org.example.settings"
        );
        // Changing it again shows only the new value once.
        let newer = json!({"theme": "light"});
        let (status, _) = call(&server, &alice, Method::PUT, &global, Some(&newer)).await;
        assert_eq!(status, 200);
        let next = body["next_batch"].as_str().expect("next_batch");
        let body = sync(
            &server,
            &alice,
            &format!("timeout=0&since={}", encode(next)),
        )
        .await;
        assert_eq!(
            body["account_data"]["events"],
            json!([{"type": "org.example.settings", "content": newer}])
        );
        assert_eq!(body["rooms"]["join"], json!({}), "{body}");
    })
    .await;
}

#[tokio::test]
async fn account_data_wakes_a_long_poll() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let token = sync(&server, &alice, "timeout=0").await["next_batch"]
            .as_str()
            .expect("next_batch")
            .to_owned();
        let server = std::sync::Arc::new(server);
        let poll = {
            let (server, alice) = (server.clone(), alice.clone());
            let query = format!("timeout=60000&since={}", encode(&token));
            tokio::spawn(async move { sync(&server, &alice, &query).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let path = user_path(&alice.user_id, "account_data/org.example.ping");
        let (status, _) = call(&server, &alice, Method::PUT, &path, Some(&json!({"n": 1}))).await;
        assert_eq!(status, 200);
        let body = poll.await.expect("long-poll task");
        assert_eq!(
            body["account_data"]["events"][0]["type"], "org.example.ping",
            "{body}"
        );
    })
    .await;
}

#[tokio::test]
async fn room_tags_are_added_listed_removed_and_synced() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let tags = user_path(&alice.user_id, &format!("rooms/{}/tags", encode(&room_id)));
        let (status, body) = call(&server, &alice, Method::GET, &tags, None).await;
        assert_eq!((status, &body), (200, &json!({"tags": {}})));
        let token = sync(&server, &alice, "timeout=0").await["next_batch"]
            .as_str()
            .expect("next_batch")
            .to_owned();

        let favourite = format!("{tags}/m.favourite");
        let (status, body) =
            call(&server, &alice, Method::PUT, &favourite, Some(&json!({"order": 0.5}))).await;
        assert_eq!((status, &body), (200, &json!({})));
        let work = format!("{tags}/u.work");
        let (status, _) = call(&server, &alice, Method::PUT, &work, Some(&json!({}))).await;
        assert_eq!(status, 200);
        let (status, body) = call(&server, &alice, Method::GET, &tags, None).await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({"tags": {"m.favourite": {"order": 0.5}, "u.work": {}}}));

        let (status, body) = call(&server, &bob, Method::GET, &tags, None).await;
        assert_eq!((status, errcode(&body)), (403, Some("M_FORBIDDEN")), "{body}");
        let (status, body) = call(&server, &bob, Method::PUT, &work, Some(&json!({}))).await;
        assert_eq!((status, errcode(&body)), (403, Some("M_FORBIDDEN")), "{body}");

        let query = format!("timeout=0&since={}", encode(&token));
        let body = sync(&server, &alice, &query).await;
        let room = &body["rooms"]["join"][&room_id];
        assert_eq!(
            room["account_data"]["events"],
            json!([{"type": "m.tag", "content": {"tags": {"m.favourite": {"order": 0.5}, "u.work": {}}}}]),
            "{body}"
        );

        let (status, body) = call(&server, &alice, Method::DELETE, &work, None).await;
        assert_eq!((status, &body), (200, &json!({})));
        let (_, body) = call(&server, &alice, Method::GET, &tags, None).await;
        assert_eq!(body, json!({"tags": {"m.favourite": {"order": 0.5}}}));
        // Deleting a tag that is not there succeeds.
        let (status, _) = call(&server, &alice, Method::DELETE, &work, None).await;
        assert_eq!(status, 200);
    })
    .await;
}
