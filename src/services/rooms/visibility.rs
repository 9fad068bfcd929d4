//! Who may see a room event (client-server API § "History visibility"), as a pure function of
//! the room's `m.room.history_visibility` and the user's membership at the event and now.

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

#[cfg(test)]
mod tests {
    use super::can_see_event;

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
