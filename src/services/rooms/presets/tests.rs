use client_api::room_creation::create_room::InitialStateEvent;

use super::*;

const ALICE: &str = "@alice:example.org";
const BOB: &str = "@bob:example.org";

fn request(value: Value) -> Request {
    serde_json::from_value(value).expect("request")
}

fn keys(plan: &CreationPlan) -> Vec<(String, String)> {
    plan.events
        .iter()
        .map(|e| {
            (
                e.event_type.clone(),
                e.state_key.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn content<'a>(plan: &'a CreationPlan, event_type: &str) -> &'a Object {
    &plan
        .events
        .iter()
        .find(|e| e.event_type == event_type)
        .expect(event_type)
        .content
}

#[test]
fn a_private_chat_follows_the_spec_order() {
    let request = request(json!({"name": "N", "topic": "T", "invite": [BOB, ALICE, BOB]}));
    let plan = plan(&request, ALICE, &RoomVersion::V10, None).expect("plan");
    let expected = [
        ("m.room.member", ALICE),
        ("m.room.power_levels", ""),
        ("m.room.join_rules", ""),
        ("m.room.history_visibility", ""),
        ("m.room.guest_access", ""),
        ("m.room.name", ""),
        ("m.room.topic", ""),
        ("m.room.member", BOB),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(t, k)| ((*t).to_owned(), (*k).to_owned()))
        .collect();
    assert_eq!(keys(&plan), expected);
    assert_eq!(plan.invitees, vec![BOB.to_owned()]);
    assert_eq!(content(&plan, "m.room.join_rules")["join_rule"], "invite");
    let levels = content(&plan, "m.room.power_levels");
    assert_eq!(levels["users"], json!({ALICE: 100}));
    assert_eq!(levels["invite"], 0);
    assert_eq!(plan.create_content["creator"], ALICE);
    assert_eq!(plan.create_content["room_version"], "10");
}

#[test]
fn a_public_chat_is_public_without_guest_access() {
    for request in [
        request(json!({"preset": "public_chat"})),
        request(json!({"visibility": "public"})),
    ] {
        let plan = plan(&request, ALICE, &RoomVersion::V10, None).expect("plan");
        assert_eq!(content(&plan, "m.room.join_rules")["join_rule"], "public");
        assert!(!keys(&plan).iter().any(|(t, _)| t == "m.room.guest_access"));
        assert_eq!(content(&plan, "m.room.power_levels")["invite"], 50);
    }
}

#[test]
fn trusted_invitees_get_the_creators_power() {
    let request = request(json!({"preset": "trusted_private_chat", "invite": [BOB]}));
    let plan = plan(&request, ALICE, &RoomVersion::V10, None).expect("plan");
    let levels = content(&plan, "m.room.power_levels");
    assert_eq!(levels["users"], json!({ALICE: 100, BOB: 100}));
    let v12 = super::plan(&request, ALICE, &RoomVersion::V12, None).expect("plan");
    assert_eq!(content(&v12, "m.room.power_levels")["users"], json!({}));
    assert_eq!(v12.create_content["additional_creators"], json!([BOB]));
    assert!(!v12.create_content.contains_key("creator"));
    assert_eq!(
        content(&v12, "m.room.power_levels")["events"]["m.room.tombstone"],
        150
    );
}

#[test]
fn initial_state_and_overrides_replace_the_defaults() {
    let mut request = request(json!({
        "power_level_content_override": {"ban": 100, "users": {ALICE: 100, BOB: 50}},
        "initial_state": [
            {"type": "m.room.join_rules", "content": {"join_rule": "public"}},
            {"type": "m.custom", "state_key": "k", "content": {"a": 1}},
        ],
    }));
    let plan = plan(&request, ALICE, &RoomVersion::V10, None).expect("plan");
    let levels = content(&plan, "m.room.power_levels");
    assert_eq!(levels["ban"], 100);
    assert_eq!(levels["users"], json!({ALICE: 100, BOB: 50}));
    let keys = keys(&plan);
    let join_rules: Vec<_> = keys
        .iter()
        .filter(|(t, _)| t == "m.room.join_rules")
        .collect();
    assert_eq!(join_rules.len(), 1, "the preset's join rules are skipped");
    assert_eq!(content(&plan, "m.room.join_rules")["join_rule"], "public");
    assert!(keys.contains(&("m.custom".to_owned(), "k".to_owned())));

    request.initial_state.push(InitialStateEvent {
        event_type: "m.room.power_levels".to_owned(),
        state_key: String::new(),
        content: object(json!({"users": {ALICE: 42}})),
    });
    let plan = super::plan(&request, ALICE, &RoomVersion::V10, None).expect("plan");
    assert_eq!(
        content(&plan, "m.room.power_levels")["users"],
        json!({ALICE: 42})
    );
    let power_events = plan
        .events
        .iter()
        .filter(|e| e.event_type == "m.room.power_levels")
        .count();
    assert_eq!(power_events, 1);
}

#[test]
fn unsupported_requests_are_400() {
    for body in [
        json!({"invite_3pid": [{"medium": "email"}]}),
        json!({"invite": ["not a user"]}),
        json!({"initial_state": [{"type": "m.room.create", "content": {}}]}),
    ] {
        let error = plan(&request(body.clone()), ALICE, &RoomVersion::V10, None).expect_err("400");
        assert_eq!(error.status.as_u16(), 400, "{body}");
    }
}

#[test]
fn the_canonical_alias_follows_the_power_levels() {
    let request = request(json!({"preset": "public_chat", "room_alias_name": "tea"}));
    let plan = plan(&request, ALICE, &RoomVersion::V10, Some("#tea:example.org")).expect("plan");
    let keys = keys(&plan);
    assert_eq!(keys[1].0, "m.room.power_levels");
    assert_eq!(keys[2].0, "m.room.canonical_alias");
    assert_eq!(
        content(&plan, "m.room.canonical_alias"),
        &object(json!({"alias": "#tea:example.org"}))
    );
}
