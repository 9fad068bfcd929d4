//! `PUT /redact/{eventId}/{txnId}`: by the sender, by a moderator, refused to others; the
//! redacted event is served pruned with `unsigned.redacted_because` by `/event`, `/messages`
//! and `/state`; state events carry `prev_content` and `replaces_state`.

use reqwest::Method;
use serde_json::{json, Value};

use super::{alice_and_bob, errcode, get_event, messages};
use crate::harness::rooms::{
    call, create_room, encode, membership, new_txn_id, put_state, room_path, send_message,
};
use crate::harness::{each_backend, Session, TestServer};

/// `PUT /redact/{eventId}/{txnId}` with `body`: status and response.
async fn redact(
    server: &TestServer,
    session: &Session,
    room_id: &str,
    event_id: &str,
    txn_id: &str,
    body: Value,
) -> (u16, Value) {
    let path = room_path(
        room_id,
        &format!("redact/{}/{}", encode(event_id), encode(txn_id)),
    );
    call(server, session, Method::PUT, &path, Some(&body)).await
}

/// The redacted form as `/event` and `/messages` show it.
fn assert_redacted(event: &Value, event_id: &str, redaction_id: &str, reason: Option<&str>) {
    assert_eq!(event["event_id"], event_id, "{event}");
    assert_eq!(event["content"], json!({}), "content stripped: {event}");
    let because = &event["unsigned"]["redacted_because"];
    assert_eq!(because["type"], "m.room.redaction", "{event}");
    assert_eq!(because["event_id"], redaction_id, "{event}");
    assert_eq!(because["redacts"], event_id, "{event}");
    if let Some(reason) = reason {
        assert_eq!(because["content"]["reason"], reason, "{event}");
    }
}

#[tokio::test]
async fn redactions_by_the_sender_and_a_moderator_strip_the_event_everywhere() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200
        );
        let own = send_message(&server, &bob, &room_id, "oops").await;
        let moderated = send_message(&server, &bob, &room_id, "spam").await;
        let alices = send_message(&server, &alice, &room_id, "mine").await;

        // Bob redacts his own message; a retry with the same transaction id sends nothing new.
        let txn = new_txn_id();
        let (status, first) = redact(
            &server,
            &bob,
            &room_id,
            &own,
            &txn,
            json!({"reason": "typo"}),
        )
        .await;
        assert_eq!(status, 200, "{first}");
        let (_, again) = redact(
            &server,
            &bob,
            &room_id,
            &own,
            &txn,
            json!({"reason": "typo"}),
        )
        .await;
        assert_eq!(again, first);
        let redaction_id = first["event_id"].as_str().unwrap();
        let (status, event) = get_event(&server, &alice, &room_id, &own).await;
        assert_eq!(status, 200, "{event}");
        assert_redacted(&event, &own, redaction_id, Some("typo"));
        let (_, redaction) = get_event(&server, &alice, &room_id, redaction_id).await;
        assert_eq!(redaction["redacts"], own.as_str(), "{redaction}");

        // Bob may not redact Alice's message; Alice (power 100) may redact Bob's.
        let (status, body) =
            redact(&server, &bob, &room_id, &alices, &new_txn_id(), json!({})).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let (status, body) = redact(
            &server,
            &alice,
            &room_id,
            &moderated,
            &new_txn_id(),
            json!({}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let by_moderator = body["event_id"].as_str().unwrap();

        let (_, page) = messages(&server, &bob, &room_id, "dir=b&limit=20").await;
        let chunk = page["chunk"].as_array().unwrap();
        let find = |id: &str| chunk.iter().find(|e| e["event_id"] == id).unwrap().clone();
        assert_redacted(&find(&own), &own, redaction_id, None);
        assert_redacted(&find(&moderated), &moderated, by_moderator, None);
        assert_eq!(find(&alices)["content"]["body"], "mine");
        // The redacted event keeps its transaction id for its sender's device.
        let (_, event) = get_event(&server, &bob, &room_id, &own).await;
        assert!(event["unsigned"]["transaction_id"].is_string(), "{event}");

        // Unknown events cannot be redacted.
        let (status, body) = redact(
            &server,
            &alice,
            &room_id,
            "$nope:localhost",
            &new_txn_id(),
            json!({}),
        )
        .await;
        assert_eq!(
            (status, errcode(&body)),
            (404, Some("M_NOT_FOUND")),
            "{body}"
        );
    })
    .await;
}

#[tokio::test]
async fn redacted_state_and_v11_redactions() {
    each_backend(|backend| async move {
        let (server, alice, _) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"room_version": "11"})).await;
        let (_, first) = put_state(
            &server,
            &alice,
            &room_id,
            "m.room.topic",
            "",
            json!({"topic": "one"}),
        )
        .await;
        let (_, second) = put_state(
            &server,
            &alice,
            &room_id,
            "m.room.topic",
            "",
            json!({"topic": "two"}),
        )
        .await;
        let first = first["event_id"].as_str().unwrap();
        let second = second["event_id"].as_str().unwrap();
        let (_, event) = get_event(&server, &alice, &room_id, second).await;
        assert_eq!(event["unsigned"]["replaces_state"], first, "{event}");
        assert_eq!(event["unsigned"]["prev_content"], json!({"topic": "one"}));
        assert_eq!(event["unsigned"]["prev_sender"], alice.user_id.as_str());

        let (status, body) =
            redact(&server, &alice, &room_id, first, &new_txn_id(), json!({})).await;
        assert_eq!(status, 200, "{body}");
        let redaction_id = body["event_id"].as_str().unwrap();
        let (_, redaction) = get_event(&server, &alice, &room_id, redaction_id).await;
        assert_eq!(
            redaction["content"]["redacts"], first,
            "v11: in the content: {redaction}"
        );
        let (_, event) = get_event(&server, &alice, &room_id, first).await;
        assert_redacted(&event, first, redaction_id, None);
        // prev_content of the next topic shows the redacted content.
        let (_, event) = get_event(&server, &alice, &room_id, second).await;
        assert_eq!(event["unsigned"]["prev_content"], json!({}), "{event}");

        let (status, body) =
            redact(&server, &alice, &room_id, second, &new_txn_id(), json!({})).await;
        assert_eq!(status, 200, "{body}");
        let path = room_path(&room_id, "state");
        let (_, state) = call(&server, &alice, Method::GET, &path, None).await;
        let topic = state
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "m.room.topic")
            .unwrap();
        assert_eq!(topic["content"], json!({}), "{topic}");
        assert!(topic["unsigned"]["redacted_because"].is_object(), "{topic}");
    })
    .await;
}
