use serde_json::json;

use super::*;

const ALICE: &str = "@alice:example.org";
const BOB: &str = "@bob:example.org";

fn old_room(version: RoomVersion, levels: Value) -> OldRoom {
    OldRoom {
        last_event: Some("$last".to_owned()),
        create: object(json!({"room_version": version.id, "type": "m.space", "m.federate": false})),
        power_levels: Some(object(levels)),
        canonical_alias: None,
        copied: vec![("m.room.name", object(json!({"name": "Tea"})))],
        space_children: vec![(
            "!child:example.org".to_owned(),
            object(json!({"via": ["example.org"]})),
        )],
        bans: vec![(
            BOB.to_owned(),
            object(json!({"membership": "ban", "reason": "spam"})),
        )],
        version,
    }
}

fn types(plan: &CreationPlan) -> Vec<&str> {
    plan.events.iter().map(|e| e.event_type.as_str()).collect()
}

#[test]
fn string_levels_of_old_rooms_become_integers() {
    let content = object(json!({
        "ban": "60", "users": {ALICE: " 100 ", BOB: "x"}, "events": {"m.room.name": "+5"},
        "users_default": 0, "other": "kept",
    }));
    let levels = integer_levels(&RoomVersion::V9, &content);
    assert_eq!(
        Value::Object(levels),
        json!({"ban": 60, "users": {ALICE: 100}, "events": {"m.room.name": 5},
               "users_default": 0, "other": "kept"})
    );
}

#[test]
fn the_create_event_names_the_predecessor_and_keeps_type_and_federation() {
    let old = old_room(RoomVersion::V10, json!({"users": {ALICE: 100}}));
    let plan = old.plan("!old:example.org", ALICE, &RoomVersion::V11, &[ALICE]);
    assert_eq!(
        Value::Object(plan.create_content),
        json!({"room_version": "11", "type": "m.space", "m.federate": false,
               "predecessor": {"room_id": "!old:example.org", "event_id": "$last"}})
    );
    let v12 = old.plan("!old:example.org", ALICE, &RoomVersion::V12, &[ALICE, BOB]);
    assert_eq!(
        v12.create_content["predecessor"],
        json!({"room_id": "!old:example.org"}),
        "v12 room ids hash the create event: no event id"
    );
    assert_eq!(v12.create_content["additional_creators"], json!([BOB]));
    let v1 = old.plan("!old:example.org", ALICE, &RoomVersion::V1, &[ALICE]);
    assert_eq!(v1.create_content["creator"], json!(ALICE));
}

#[test]
fn an_upgrader_without_enough_power_is_raised_then_restored() {
    let levels = json!({"users": {ALICE: 50}, "state_default": 50, "ban": 50,
                        "events": {"m.room.power_levels": 100}});
    let plan = old_room(RoomVersion::V10, levels).plan("!o:x", ALICE, &RoomVersion::V10, &[ALICE]);
    assert_eq!(
        types(&plan),
        [
            "m.room.member",
            "m.room.power_levels",
            "m.room.name",
            "m.space.child",
            "m.room.member",
            "m.room.power_levels"
        ]
    );
    assert_eq!(
        plan.events[3].state_key.as_deref(),
        Some("!child:example.org")
    );
    assert_eq!(plan.events[1].content["users"][ALICE], json!(100));
    assert_eq!(plan.events[5].content["users"][ALICE], json!(50));
    assert_eq!(
        plan.events[4].content,
        object(json!({"membership": "ban", "reason": "spam"}))
    );
}

#[test]
fn v12_creators_leave_the_users_map_and_need_no_raise() {
    let levels = json!({"users": {ALICE: 50, BOB: 100}, "events": {"m.room.power_levels": 100}});
    let plan = old_room(RoomVersion::V11, levels).plan("!o:x", ALICE, &RoomVersion::V12, &[ALICE]);
    let power_levels: Vec<_> = plan
        .events
        .iter()
        .filter(|e| e.event_type == POWER_LEVELS)
        .collect();
    assert_eq!(power_levels.len(), 1);
    assert_eq!(power_levels[0].content["users"], json!({BOB: 100}));
}
