//! A filter's `event_fields`: the room events of a sync response cut down to the listed
//! properties (spec definition `Filter`; paths per appendices § "Dot-separated property paths").

use serde_json::{Map, Value};

/// Splits a dot-separated property path: `\.` is a literal dot and `\\` a literal backslash;
/// any other escape is kept as written (a backslash followed by that character).
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        let current = parts.last_mut().expect("never empty");
        match c {
            '\\' => match chars.peek() {
                Some(&escaped @ ('.' | '\\')) => {
                    current.push(escaped);
                    chars.next();
                }
                _ => current.push('\\'),
            },
            '.' => parts.push(String::new()),
            other => current.push(other),
        }
    }
    parts
}

/// `event` with only the properties `fields` name (a path that does not exist, or that goes
/// through a value that is not an object, contributes nothing). Non-object events are kept.
pub fn only_fields(event: &Value, fields: &[String]) -> Value {
    let Value::Object(source) = event else {
        return event.clone();
    };
    let mut kept = Map::new();
    for field in fields {
        copy_path(source, &split_path(field), &mut kept);
    }
    Value::Object(kept)
}

fn copy_path(source: &Map<String, Value>, path: &[String], target: &mut Map<String, Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut from = source;
    for key in parents {
        match from.get(key) {
            Some(Value::Object(inner)) => from = inner,
            _ => return,
        }
    }
    let Some(value) = from.get(last) else {
        return;
    };
    let mut into = target;
    for key in parents {
        let slot = into
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        match slot {
            Value::Object(inner) => into = inner,
            // Unreachable: the source had an object here, and earlier copies copied it.
            _ => return,
        }
    }
    into.insert(last.clone(), value.clone());
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn paths_follow_the_escape_rules() {
        assert_eq!(split_path("content.body"), ["content", "body"]);
        assert_eq!(
            split_path(r"content.m\.relates_to"),
            ["content", "m.relates_to"]
        );
        assert_eq!(split_path(r"content.m\\foo"), ["content", r"m\foo"]);
        assert_eq!(split_path(r"content.a\xb"), ["content", r"a\xb"]);
        assert_eq!(split_path("type"), ["type"]);
    }

    #[test]
    fn keeps_only_the_named_properties() {
        let event = json!({
            "type": "m.room.message",
            "sender": "@a:x",
            "event_id": "$e",
            "content": {"body": "hi", "msgtype": "m.text", "m.relates_to": {"rel_type": "r"}},
            "unsigned": {"age": 5},
        });
        assert_eq!(
            only_fields(&event, &fields(&["type", "content.body"])),
            json!({"type": "m.room.message", "content": {"body": "hi"}})
        );
        assert_eq!(
            only_fields(
                &event,
                &fields(&[r"content.m\.relates_to.rel_type", "content.msgtype"])
            ),
            json!({"content": {"m.relates_to": {"rel_type": "r"}, "msgtype": "m.text"}})
        );
    }

    #[test]
    fn missing_or_non_object_paths_contribute_nothing() {
        let event = json!({"type": "t", "content": {"body": "hi"}});
        assert_eq!(
            only_fields(&event, &fields(&["content.body.deeper", "nope", "type.x"])),
            json!({})
        );
        assert_eq!(only_fields(&event, &[]), json!({}));
    }

    #[test]
    fn a_whole_object_and_one_of_its_properties_both_listed() {
        let event = json!({"content": {"body": "hi", "msgtype": "m.text"}});
        let lists = [
            ["content", "content.body"],
            ["content.body", "content"],
            ["content.body", "content.msgtype"],
        ];
        for list in lists {
            let kept = only_fields(&event, &fields(&list));
            assert_eq!(kept, event, "{list:?}");
        }
    }
}
