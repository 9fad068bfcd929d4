//! Membership between two users: invite, join, leave, kick, ban, unban, joined members and
//! joined rooms, and the power levels that guard them.

use reqwest::Method;
use serde_json::json;

use super::{alice_and_bob, errcode};
use crate::harness::each_backend;
use crate::harness::rooms::{
    call, create_room, encode, get_state, joined_rooms, membership, membership_of, put_state,
    room_path,
};

#[tokio::test]
async fn can_invite_users_to_invite_only_rooms() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "private_chat"})).await;
        let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "invite only: {body}"
        );
        let invite = json!({"user_id": bob.user_id, "reason": "tea?"});
        let (status, body) = membership(&server, &alice, &room_id, "invite", invite).await;
        assert_eq!((status, body), (200, json!({})));
        let (_, member) = get_state(&server, &alice, &room_id, "m.room.member", &bob.user_id).await;
        assert_eq!(
            member,
            json!({"membership": "invite", "reason": "tea?", "displayname": "bob"}),
            "a local invitee's profile is in the invite"
        );
        // Joining by id on the /join/{roomIdOrAlias} path.
        let path = format!("/_matrix/client/v3/join/{}", encode(&room_id));
        let (status, body) = call(&server, &bob, Method::POST, &path, Some(&json!({}))).await;
        assert_eq!(
            (status, body["room_id"].as_str()),
            (200, Some(room_id.as_str()))
        );
        let (status, body) = call(&server, &bob, Method::POST, &path, None).await;
        assert_eq!(status, 200, "joining again changes nothing: {body}");
        let (status, body) = call(
            &server,
            &bob,
            Method::GET,
            &room_path(&room_id, "joined_members"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let mut members: Vec<&String> =
            body["joined"].as_object().expect("joined").keys().collect();
        members.sort();
        assert_eq!(members, [&alice.user_id, &bob.user_id]);
        assert_eq!(joined_rooms(&server, &bob).await, vec![room_id.clone()]);

        let (status, _) =
            membership(&server, &bob, &room_id, "leave", json!({"reason": "bye"})).await;
        assert_eq!(status, 200);
        assert!(joined_rooms(&server, &bob).await.is_empty());
        let (status, _) = put_state(
            &server,
            &alice,
            &room_id,
            "m.room.name",
            "",
            json!({"name": "After"}),
        )
        .await;
        assert_eq!(status, 200);
        // Bob reads the state as he left it; the room stays invite only for him.
        let (status, member) =
            get_state(&server, &bob, &room_id, "m.room.member", &bob.user_id).await;
        assert_eq!(
            (status, member["membership"].as_str()),
            (200, Some("leave"))
        );
        let (status, _) = get_state(&server, &bob, &room_id, "m.room.name", "").await;
        assert_eq!(status, 404, "the name was set after bob left");
        // His own leave event stays visible to him, though he is no longer joined.
        let leave_path = format!(
            "{}?format=event",
            room_path(
                &room_id,
                &format!("state/m.room.member/{}", encode(&bob.user_id))
            )
        );
        let (_, leave) = call(&server, &bob, Method::GET, &leave_path, None).await;
        let leave_id = leave["event_id"].as_str().expect("leave event id");
        let event_path = room_path(&room_id, &format!("event/{}", encode(leave_id)));
        let (status, event) = call(&server, &bob, Method::GET, &event_path, None).await;
        assert_eq!(
            (status, event["content"]["reason"].as_str()),
            (200, Some("bye"))
        );
        let (status, _) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(status, 403);
        let (status, body) = membership(&server, &bob, &room_id, "leave", json!({})).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "leaving twice: {body}"
        );
        let alias = format!(
            "/_matrix/client/v3/join/{}",
            encode(&format!("#tea:{}", server.server_name))
        );
        let (status, body) = call(&server, &bob, Method::POST, &alias, None).await;
        assert_eq!((status, errcode(&body)), (404, Some("M_NOT_FOUND")));
    })
    .await;
}

#[tokio::test]
async fn kick_ban_and_unban_need_power_and_the_right_membership() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        let target = |user: &str| json!({"user_id": user, "reason": "testing"});
        let (status, body) =
            membership(&server, &alice, &room_id, "kick", target(&bob.user_id)).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "bob is not in the room"
        );
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200
        );
        let (status, body) =
            membership(&server, &bob, &room_id, "kick", target(&alice.user_id)).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.contains("power level")),
            "{body}"
        );

        let (status, _) = membership(&server, &alice, &room_id, "kick", target(&bob.user_id)).await;
        assert_eq!(status, 200);
        assert_eq!(
            membership_of(&server, &alice, &room_id, &bob.user_id)
                .await
                .as_deref(),
            Some("leave")
        );
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200,
            "kicked users may rejoin"
        );

        let (status, _) = membership(&server, &alice, &room_id, "ban", target(&bob.user_id)).await;
        assert_eq!(status, 200);
        assert_eq!(
            membership_of(&server, &alice, &room_id, &bob.user_id)
                .await
                .as_deref(),
            Some("ban")
        );
        let (status, body) = membership(&server, &bob, &room_id, "join", json!({})).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "banned: {body}"
        );
        let (status, _) =
            membership(&server, &alice, &room_id, "invite", target(&bob.user_id)).await;
        assert_eq!(status, 403, "banned users cannot be invited");

        assert_eq!(
            membership(&server, &alice, &room_id, "unban", target(&bob.user_id))
                .await
                .0,
            200
        );
        let (status, body) =
            membership(&server, &alice, &room_id, "unban", target(&bob.user_id)).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "not banned any more"
        );
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200
        );
        let (status, body) =
            membership(&server, &alice, &room_id, "ban", json!({"user_id": "bob"})).await;
        assert_eq!((status, errcode(&body)), (400, Some("M_INVALID_PARAM")));
        let (status, body) = membership(&server, &alice, &room_id, "ban", json!({})).await;
        assert_eq!((status, errcode(&body)), (400, Some("M_BAD_JSON")));
    })
    .await;
}

#[tokio::test]
async fn insufficient_power_is_forbidden_until_granted() {
    each_backend(|backend| async move {
        let (server, alice, bob) = alice_and_bob(backend).await;
        let room_id = create_room(&server, &alice, json!({"preset": "public_chat"})).await;
        assert_eq!(
            membership(&server, &bob, &room_id, "join", json!({}))
                .await
                .0,
            200
        );
        let name = json!({"name": "Bob's room"});
        let (status, body) =
            put_state(&server, &bob, &room_id, "m.room.name", "", name.clone()).await;
        assert_eq!(
            (status, errcode(&body)),
            (403, Some("M_FORBIDDEN")),
            "{body}"
        );
        let carol = crate::harness::register(&server, "carol", "caterpillar").await;
        let invite = json!({"user_id": carol.user_id});
        let (status, _) = membership(&server, &bob, &room_id, "invite", invite.clone()).await;
        assert_eq!(status, 403, "public_chat needs 50 to invite");

        let (_, mut levels) = get_state(&server, &alice, &room_id, "m.room.power_levels", "").await;
        levels["users"][&bob.user_id] = json!(50);
        let (status, body) = put_state(
            &server,
            &alice,
            &room_id,
            "m.room.power_levels",
            "",
            levels.clone(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = put_state(&server, &bob, &room_id, "m.room.name", "", name).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            membership(&server, &bob, &room_id, "invite", invite)
                .await
                .0,
            200
        );
        // Bob cannot raise himself above his own level, nor demote alice.
        levels["users"][&bob.user_id] = json!(100);
        let (status, _) =
            put_state(&server, &bob, &room_id, "m.room.power_levels", "", levels).await;
        assert_eq!(status, 403);
        let (status, _) = membership(
            &server,
            &bob,
            &room_id,
            "kick",
            json!({"user_id": alice.user_id}),
        )
        .await;
        assert_eq!(status, 403);
    })
    .await;
}
