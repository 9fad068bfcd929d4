//! Who may see a room event (client-server API § "History visibility"), as a pure function of
//! the room's `m.room.history_visibility` and the user's membership at the event and now; and
//! the visibility a change of history visibility is itself judged by.

/// Whether a user may see an event.
///
/// - `world_readable`: everyone;
/// - the user was joined at the event: yes;
/// - `shared` (also the default, and any unknown value): while the user is joined now;
/// - `invited`: also if the user was invited at the event;
/// - `joined`: only if joined at the event.
///
/// `membership_at_event` is the user's membership in the state after the event (so a user's
/// own join is visible to them).
pub fn can_see_event(
    history_visibility: Option<&str>,
    membership_at_event: Option<&str>,
    joined_now: bool,
) -> bool {
    if history_visibility == Some("world_readable") || membership_at_event == Some("join") {
        return true;
    }
    match history_visibility {
        Some("joined") => false,
        Some("invited") => membership_at_event == Some("invite"),
        _ => joined_now,
    }
}

/// Whether another server may see an event (Synapse's `filter_events_for_server`; spec
/// client-server § "History visibility" read for a server as for its users together):
/// `world_readable`, `shared` (also the default and unknown values) — yes; `invited` — if one
/// of its users was invited or joined at the event; `joined` — if one was joined.
/// `memberships` are the server's users' memberships in the state after the event.
pub fn server_can_see_event<'a>(
    history_visibility: Option<&str>,
    memberships: impl IntoIterator<Item = &'a str>,
) -> bool {
    let wanted: &[&str] = match history_visibility {
        Some("joined") => &["join"],
        Some("invited") => &["join", "invite"],
        _ => return true,
    };
    memberships.into_iter().any(|m| wanted.contains(&m))
}

/// The history visibility an `m.room.history_visibility` event itself is judged by: the less
/// restrictive of its own and the one it replaced (Synapse, so members on both sides of the
/// boundary see the change). A missing or unknown value counts as `shared`.
pub fn at_visibility_change<'a>(new: Option<&'a str>, old: Option<&'a str>) -> &'a str {
    const PRIORITY: [&str; 4] = ["world_readable", "shared", "invited", "joined"];
    let rank = |value: Option<&str>| {
        value
            .and_then(|v| PRIORITY.iter().position(|p| *p == v))
            .unwrap_or(1)
    };
    PRIORITY[rank(new).min(rank(old))]
}

#[cfg(test)]
mod tests {
    use super::{at_visibility_change, can_see_event, server_can_see_event};

    #[test]
    fn a_server_sees_joined_history_only_through_a_member_joined_then() {
        assert!(server_can_see_event(Some("shared"), []));
        assert!(server_can_see_event(None, []));
        assert!(server_can_see_event(Some("world_readable"), ["leave"]));
        assert!(server_can_see_event(Some("invited"), ["leave", "invite"]));
        assert!(!server_can_see_event(Some("invited"), ["leave", "knock"]));
        assert!(server_can_see_event(Some("joined"), ["ban", "join"]));
        assert!(!server_can_see_event(Some("joined"), ["invite"]));
        assert!(!server_can_see_event(Some("joined"), []));
    }

    #[test]
    fn a_visibility_change_is_judged_by_the_less_restrictive_side() {
        assert_eq!(
            at_visibility_change(Some("joined"), Some("shared")),
            "shared"
        );
        assert_eq!(
            at_visibility_change(Some("world_readable"), Some("joined")),
            "world_readable"
        );
        assert_eq!(
            at_visibility_change(Some("joined"), Some("invited")),
            "invited"
        );
        assert_eq!(at_visibility_change(Some("joined"), None), "shared");
        assert_eq!(at_visibility_change(Some("odd"), Some("joined")), "shared");
    }

    #[test]
    fn history_visibility_decides_who_sees_an_event() {
        let cases = [
            (Some("world_readable"), None, false, true),
            (Some("shared"), Some("join"), false, true),
            (Some("shared"), None, true, true),
            (Some("shared"), Some("leave"), false, false),
            (None, None, true, true),
            (Some("invited"), Some("invite"), false, true),
            (Some("invited"), None, true, false),
            (Some("joined"), Some("invite"), true, false),
            (Some("joined"), Some("join"), false, true),
            (Some("unknown"), None, true, true),
        ];
        for (visibility, membership, joined_now, expected) in cases {
            assert_eq!(
                can_see_event(visibility, membership, joined_now),
                expected,
                "{visibility:?} {membership:?} {joined_now}"
            );
        }
    }
}
