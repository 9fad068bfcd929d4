//! `GET /messages`: both directions with tokens, without gaps or duplicates; `to`; bad
//! parameters; filters by type and sender; lazy-loaded members; sync-style tokens.

use reqwest::Method;
use serde_json::json;

use super::{alice_and_bob, bodies, errcode, get_event, messages, query_value};
use crate::harness::each_backend;
use crate::harness::rooms::{
    call, create_room, encode, get_state, membership, put_state, room_path, send_message,
    sync_until,
};

#[tokio::test]
async fn messages_paginate_backwards_and_forwards_without_gaps_or_duplicates() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        for n in 0..25 {
            send_message(&server, &alice, &room_id, &format!("m{n}")).await;
        }
        // Backwards from the end (no `from`), 10 at a time.
        let mut seen = Vec::new();
        let mut query = "dir=b&limit=10".to_owned();
        let mut first_start = None;
        for _ in 0..10 {
            let (status, body) = messages(&server, &alice, &room_id, &query).await;
            assert_eq!(status, 200, "{body}");
            first_start.get_or_insert_with(|| body["start"].as_str().unwrap().to_owned());
            assert!(body["chunk"].as_array().unwrap().len() <= 10, "{body}");
            seen.extend(bodies(&body["chunk"]));
            match body["end"].as_str() {
                Some(end) => query = format!("dir=b&limit=10&from={}", query_value(end)),
                None => break,
            }
        }
        let expected: Vec<String> = (0..25).rev().map(|n| format!("m{n}")).collect();
        assert_eq!(seen, expected, "newest first, each once");

        // Forwards from the start, 10 at a time.
        let mut seen = Vec::new();
        let mut query = "dir=f&limit=10".to_owned();
        let mut pages = 0;
        for _ in 0..10 {
            let (status, body) = messages(&server, &alice, &room_id, &query).await;
            assert_eq!(status, 200, "{body}");
            let chunk = body["chunk"].as_array().unwrap();
            assert!(chunk.len() <= 10, "{body}");
            if pages == 0 {
                assert_eq!(chunk[0]["type"], "m.room.create", "oldest first: {body}");
            }
            pages += 1;
            seen.extend(bodies(&body["chunk"]));
            match body["end"].as_str() {
                Some(end) => query = format!("dir=f&limit=10&from={}", query_value(end)),
                None => break,
            }
        }
        let expected: Vec<String> = (0..25).map(|n| format!("m{n}")).collect();
        assert_eq!(seen, expected, "oldest first, each once");
        assert!(pages >= 3, "{pages} pages");

        // The start token of a backward page read forwards gives the newer messages again.
        let (_, page) = messages(&server, &alice, &room_id, "dir=b&limit=5").await;
        let end = page["end"].as_str().unwrap();
        let (_, forward) = messages(
            &server,
            &alice,
            &room_id,
            &format!("dir=f&from={}", query_value(end)),
        )
        .await;
        let expected: Vec<String> = (20..25).map(|n| format!("m{n}")).collect();
        assert_eq!(bodies(&forward["chunk"]), expected);
        // `to` stops a page.
        let start = first_start.unwrap();
        let (_, bounded) = messages(
            &server,
            &alice,
            &room_id,
            &format!(
                "dir=b&from={}&to={}&limit=50",
                query_value(&start),
                query_value(end)
            ),
        )
        .await;
        let expected: Vec<String> = (20..25).rev().map(|n| format!("m{n}")).collect();
        assert_eq!(bodies(&bounded["chunk"]), expected, "{bounded}");
        assert!(
            bounded.get("end").is_none(),
            "nothing beyond `to`: {bounded}"
        );
    })
    .await;
}

#[tokio::test]
async fn messages_accept_sync_tokens_and_refuse_bad_parameters() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        send_message(&server, &alice, &room_id, "one").await;
        let (_, body) = messages(&server, &alice, &room_id, "dir=b&limit=1").await;
        let start = body["start"].as_str().unwrap().to_owned();
        let position = start.trim_start_matches('t');
        // A /sync token `s<events>_<other streams>` reads as its events position.
        let sync = format!("s{position}_3_7");
        let (status, from_sync) = messages(
            &server,
            &alice,
            &room_id,
            &format!("dir=b&limit=1&from={sync}"),
        )
        .await;
        assert_eq!(status, 200, "{from_sync}");
        let ids = |page: &serde_json::Value| -> Vec<String> {
            page["chunk"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["event_id"].to_string())
                .collect()
        };
        assert_eq!(ids(&from_sync), ids(&body));
        assert_eq!(from_sync["start"], sync.as_str());

        for (query, code) in [
            ("limit=1", "M_MISSING_PARAM"),
            ("dir=x", "M_INVALID_PARAM"),
            ("dir=b&from=nonsense", "M_INVALID_PARAM"),
            ("dir=b&limit=-1", "M_INVALID_PARAM"),
            ("dir=b&filter=%7Bnope", "M_NOT_JSON"),
        ] {
            let (status, body) = messages(&server, &alice, &room_id, query).await;
            assert_eq!(
                (status, errcode(&body)),
                (400, Some(code)),
                "{query}: {body}"
            );
        }
        // Not a member of a private room.
        let (status, body) = messages(&server, &bob, &room_id, "dir=b").await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let (status, body) = messages(&server, &bob, "!unknown:localhost", "dir=b").await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
    })
    .await;
}

#[tokio::test]
async fn messages_filter_by_type_and_sender_and_lazy_load_members() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let (status, _) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 200);
        for n in 0..6 {
            let sender = if n % 2 == 0 { &alice } else { &bob };
            send_message(&server, sender, &room_id, &format!("m{n}")).await;
        }
        let filter = query_value(&json!({"types": ["m.room.message"]}).to_string());
        let (status, body) =
            messages(&server, &alice, &room_id, &format!("dir=b&limit=4&filter={filter}")).await;
        assert_eq!(status, 200, "{body}");
        let chunk = body["chunk"].as_array().unwrap();
        assert_eq!(chunk.len(), 4, "{body}");
        assert!(chunk.iter().all(|e| e["type"] == "m.room.message"), "{body}");
        assert!(body.get("state").is_none(), "no lazy loading asked: {body}");

        let filter = query_value(
            &json!({"not_senders": [bob.user_id], "types": ["m.room.*"], "not_types": ["m.room.member"]})
                .to_string(),
        );
        let (_, body) =
            messages(&server, &alice, &room_id, &format!("dir=b&limit=3&filter={filter}")).await;
        assert_eq!(bodies(&body["chunk"]), ["m4", "m2", "m0"], "{body}");
        assert!(body["chunk"].as_array().unwrap().iter().all(|e| e["sender"] == alice.user_id.as_str()));

        let filter = query_value(
            &json!({"types": ["m.room.message"], "lazy_load_members": true}).to_string(),
        );
        let (_, body) =
            messages(&server, &alice, &room_id, &format!("dir=b&limit=1&filter={filter}")).await;
        assert_eq!(bodies(&body["chunk"]), ["m5"]);
        let state = body["state"].as_array().expect("state");
        assert_eq!(state.len(), 1, "only the sender's member event: {body}");
        assert_eq!(state[0]["type"], "m.room.member");
        assert_eq!(state[0]["state_key"], bob.user_id.as_str());
        let (_, body) =
            messages(&server, &alice, &room_id, &format!("dir=b&limit=2&filter={filter}")).await;
        let mut members: Vec<&str> = body["state"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["state_key"].as_str().unwrap())
            .collect();
        members.sort();
        assert_eq!(members, [alice.user_id.as_str(), bob.user_id.as_str()]);
    })
    .await;
}

/// Content is served as sent wherever events are read (`/messages`, `/event`, `/context`,
/// `/sync`, the state endpoint): nested objects and arrays, escapes, non-ASCII text, numbers,
/// `null` and booleans come back as the same JSON values.
#[tokio::test]
async fn content_with_nesting_escapes_and_unicode_is_served_as_sent() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({})).await;
        let content = json!({
            "msgtype": "m.text",
            "body": "quote \" backslash \\ tab \t newline \n é 🦀 \u{0001}",
            "nested": {"list": [1, -2, 9007199254740991_i64, true, false, null, {"k": []}]},
            "empty": {},
        });
        let path = room_path(&room_id, "send/m.room.message/rich1");
        let (status, sent) = call(&server, &alice, Method::PUT, &path, Some(&content)).await;
        assert_eq!(status, 200, "{sent}");
        let event_id = sent["event_id"].as_str().unwrap().to_owned();

        let (_, page) = messages(&server, &alice, &room_id, "dir=b&limit=1").await;
        assert_eq!(page["chunk"][0]["content"], content, "/messages: {page}");
        assert_eq!(
            page["chunk"][0]["unsigned"]["transaction_id"], "rich1",
            "{page}"
        );
        let (_, event) = get_event(&server, &alice, &room_id, &event_id).await;
        assert_eq!(event["content"], content, "/event: {event}");
        let context = room_path(&room_id, &format!("context/{}?limit=2", encode(&event_id)));
        let (_, around) = call(&server, &alice, Method::GET, &context, None).await;
        assert_eq!(around["event"]["content"], content, "/context: {around}");
        let synced = sync_until(&server, &alice, &room_id, 1, |e| {
            e["event_id"] == event_id.as_str()
        })
        .await
        .expect("the event in the initial sync");
        assert_eq!(synced["content"], content, "/sync: {synced}");

        // A state event, read back in both formats.
        let state = json!({"name": "ünïcödé \"room\"", "extra": [-7, {"deep": {"er": "\\"}}]});
        let (status, _) =
            put_state(&server, &alice, &room_id, "m.room.name", "", state.clone()).await;
        assert_eq!(status, 200);
        let (_, got) = get_state(&server, &alice, &room_id, "m.room.name", "").await;
        assert_eq!(got, state);
        let as_event = room_path(&room_id, "state/m.room.name/?format=event");
        let (_, got) = call(&server, &alice, Method::GET, &as_event, None).await;
        assert_eq!(got["content"], state, "{got}");
    })
    .await;
}
