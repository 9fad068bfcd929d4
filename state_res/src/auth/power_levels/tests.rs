use super::*;
use serde_json::json;

fn level(version: &RoomVersion, value: Value) -> Option<i64> {
    parse_level(version, &value)
}

#[test]
fn stringy_levels_follow_the_fragment_in_v1_to_v9() {
    for version in &RoomVersion::ALL[..9] {
        for (text, expected) in [
            ("100", 100),
            ("000100", 100),
            ("+100", 100),
            ("-100", -100),
            (" 100 ", 100),
            (" 00100 ", 100),
            (" +100 ", 100),
            (" -100 ", -100),
            ("\t7\n", 7),
        ] {
            assert_eq!(level(version, json!(text)), Some(expected), "{text:?}");
        }
        for bad in [
            "", " ", "+", "-", "+-1", "--1", "1.5", "1e2", "0x10", "ten", "1 0", "١",
        ] {
            assert_eq!(level(version, json!(bad)), None, "{bad:?}");
        }
        assert_eq!(
            level(version, json!("99999999999999999999999")),
            Some(i64::MAX)
        );
    }
}

#[test]
fn v10_and_later_take_only_integers() {
    for version in &RoomVersion::ALL[9..] {
        assert_eq!(level(version, json!(100)), Some(100));
        assert_eq!(level(version, json!("100")), None);
        assert_eq!(level(version, json!(true)), None);
        assert_eq!(level(version, json!(null)), None);
        assert_eq!(level(version, json!(50.5)), None);
    }
}

#[test]
fn floats_are_truncated_in_v1_to_v5_only() {
    for version in &RoomVersion::ALL[..5] {
        assert_eq!(level(version, json!(50.57)), Some(50));
        assert_eq!(level(version, json!(-50.57)), Some(-50));
        assert_eq!(level(version, json!(5.114698E4)), Some(51146));
        assert_eq!(level(version, json!(1e300)), Some(i64::MAX));
        assert_eq!(level(version, json!(u64::MAX)), Some(i64::MAX));
    }
    for version in &RoomVersion::ALL[5..] {
        assert_eq!(level(version, json!(50.57)), None);
        // Canonical JSON admits exponent-written integers.
        assert_eq!(level(version, json!(1e2)), Some(100));
    }
}

#[test]
fn defaults_apply_to_missing_and_unparsable_values() {
    let content =
        json!({"ban": "x", "users": {"@a:x": 10, "@b:x": []}, "events": {"m.room.name": 75}});
    let levels = PowerLevels::from_content(&RoomVersion::V9, content.as_object().unwrap());
    assert_eq!(levels.ban_level(), PowerLevel::Finite(50));
    assert_eq!(levels.kick_level(), PowerLevel::Finite(50));
    assert_eq!(levels.redact_level(), PowerLevel::Finite(50));
    assert_eq!(levels.invite_level(), PowerLevel::Finite(0));
    assert_eq!(levels.user_level("@a:x"), PowerLevel::Finite(10));
    assert_eq!(levels.user_level("@b:x"), PowerLevel::Finite(0));
    assert_eq!(
        levels.event_level("m.room.name", true),
        PowerLevel::Finite(75)
    );
    assert_eq!(
        levels.event_level("m.room.topic", true),
        PowerLevel::Finite(50)
    );
    assert_eq!(
        levels.event_level("m.room.message", false),
        PowerLevel::Finite(0)
    );
    assert_eq!(levels.notification_level("room"), PowerLevel::Finite(50));
}

#[test]
fn infinite_is_above_every_finite_level() {
    assert!(PowerLevel::Infinite > PowerLevel::Finite(i64::MAX));
    assert!(PowerLevel::Finite(-1) < PowerLevel::Finite(0));
    assert_eq!(PowerLevel::Infinite.to_string(), "infinite");
    assert_eq!(PowerLevel::from(5).to_string(), "5");
}
