//! `/messages` on the engine directly, on both backends: a page of 100 in a room of 300
//! messages, with the time per page printed (`--nocapture`; no timing assertion).

use std::time::Instant;

use client_api::room_creation::create_room;
use client_api::room_participation::get_room_events::{Dir, Request};
use client_api::room_participation::RoomEventFilter;
use client_api::{AccessToken, ClientUser};
use serde_json::json;
use state_res::signing::KeyPair;

use crate::services::rooms::{Rooms, DEFAULT_ROOM_VERSION};
use crate::storage::testing::each_backend;

fn alice() -> ClientUser {
    ClientUser {
        user_id: "@alice:example.org".to_owned(),
        device_id: Some("PHONE".to_owned()),
        access_token: AccessToken(String::new()),
    }
}

#[tokio::test]
async fn rooms_a_page_of_one_hundred_messages() {
    each_backend(|db| async move {
        let key = KeyPair::from_seed("ed25519:a", [7; 32]).expect("key");
        let rooms = Rooms::new(db, "example.org".to_owned(), key, DEFAULT_ROOM_VERSION);
        let user = alice();
        let request: create_room::Request = serde_json::from_value(json!({})).expect("request");
        let room_id = rooms.create_room(&user, request).await.expect("room");
        for n in 0..300 {
            let content = json!({"msgtype": "m.text", "body": format!("m{n}")});
            let content = content.as_object().cloned().expect("object");
            rooms
                .send_message(&user, &room_id, "m.room.message", &format!("t{n}"), content)
                .await
                .expect("send");
        }
        let page = |from: Option<String>| Request {
            from,
            to: None,
            dir: Dir::Backward,
            limit: Some(100),
            filter: RoomEventFilter::default(),
        };
        let rounds = 20;
        let started = Instant::now();
        let mut from = None;
        for _ in 0..rounds {
            let response = rooms
                .room_messages(&user, &room_id, page(from.clone()))
                .await
                .expect("page");
            assert_eq!(response.chunk.len(), 100);
            assert!(response.end.is_some());
            // Pages 1–2 of 3, then again from the end.
            from = match &from {
                None => response.end,
                Some(_) => None,
            };
        }
        let per_page = started.elapsed() / rounds;
        println!("/messages, a page of 100 of 300 messages: {per_page:?} per page");
    })
    .await;
}
