//! Whether an event passes a `RoomEventFilter` (spec § "Filtering"): `not_types` and
//! `not_senders` win over `types` and `senders`; a type pattern's `*` matches any run of
//! characters; `contains_url` looks for a string `url` in the content.

use client_api::room_participation::RoomEventFilter;
use serde_json::Value;

/// Whether the filter has any condition on events (lazy loading is not one).
pub(super) fn filters_events(filter: &RoomEventFilter) -> bool {
    filter.types.is_some()
        || !filter.not_types.is_empty()
        || filter.senders.is_some()
        || !filter.not_senders.is_empty()
        || filter.contains_url.is_some()
}

/// Whether an event of `event_type` from `sender` with `content` passes `filter`.
pub(super) fn matches(
    filter: &RoomEventFilter,
    event_type: &str,
    sender: &str,
    content: &Value,
) -> bool {
    if filter.not_types.iter().any(|p| glob(p, event_type)) {
        return false;
    }
    if let Some(types) = &filter.types {
        if !types.iter().any(|p| glob(p, event_type)) {
            return false;
        }
    }
    if filter.not_senders.iter().any(|s| s == sender) {
        return false;
    }
    if let Some(senders) = &filter.senders {
        if !senders.iter().any(|s| s == sender) {
            return false;
        }
    }
    match filter.contains_url {
        Some(wanted) => content.get("url").is_some_and(Value::is_string) == wanted,
        None => true,
    }
}

/// `pattern` with `*` as "any run of characters" against `text`.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use client_api::room_participation::RoomEventFilter;
    use serde_json::json;

    use super::{glob, matches};

    #[test]
    fn type_patterns_match_with_stars() {
        assert!(glob("m.room.message", "m.room.message"));
        assert!(!glob("m.room.message", "m.room.messages"));
        assert!(glob("m.room.*", "m.room.member"));
        assert!(glob("*", "anything"));
        assert!(glob("m.*.member", "m.room.member"));
        assert!(!glob("m.*.member", "m.room.name"));
        assert!(glob("*e*", "e"));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn room_event_filters_exclude_before_they_include() {
        let filter = RoomEventFilter {
            types: Some(vec!["m.room.*".to_owned()]),
            not_types: vec!["m.room.member".to_owned()],
            not_senders: vec!["@spam:x".to_owned()],
            contains_url: Some(true),
            ..RoomEventFilter::default()
        };
        let url = json!({"url": "mxc://x/y"});
        assert!(matches(&filter, "m.room.message", "@a:x", &url));
        assert!(!matches(&filter, "m.room.member", "@a:x", &url));
        assert!(!matches(&filter, "m.reaction", "@a:x", &url));
        assert!(!matches(&filter, "m.room.message", "@spam:x", &url));
        assert!(!matches(&filter, "m.room.message", "@a:x", &json!({})));
        assert!(matches(
            &RoomEventFilter::default(),
            "x",
            "@a:x",
            &json!({})
        ));
    }
}
