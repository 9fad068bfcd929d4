//! Unread notification counts of a joined room (client-server API § "Receiving
//! notifications": `unread_notifications` in `/sync`).
//!
//! A simplification of the default push rules, documented in docs/architecture.md: the events
//! that count are the `m.room.message` and `m.room.encrypted` events others sent after the
//! user's latest unthreaded or `main` `m.read`/`m.read.private` receipt (or after their
//! membership event, without one). `highlight_count` counts those that mention the user:
//! `m.mentions.user_ids` names them, or, when the event has no `m.mentions` (intentional
//! mentions turn the legacy rules off), the body contains their display name or localpart as
//! a word (case-insensitive). Threaded events count in the main count; thread receipts do not
//! lower it.

use serde_json::Value;

use client_api::MatrixError;

use crate::services::internal;
use crate::storage::{Database, StreamPosition};

/// Who is reading: what mentions them.
#[derive(Clone, Debug)]
pub struct Reader {
    /// The user id.
    pub user_id: String,
    /// The localpart.
    pub localpart: String,
    /// The display name, if set.
    pub displayname: Option<String>,
}

/// `notification_count` and `highlight_count`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnreadCounts {
    /// Events that notify.
    pub notifications: u64,
    /// Those that also highlight.
    pub highlights: u64,
}

/// The room's counts for `reader` up to `upto`; `joined_at` is the user's membership event.
pub async fn unread_counts(
    database: &Database,
    room_id: &str,
    reader: &Reader,
    joined_at: StreamPosition,
    upto: StreamPosition,
) -> Result<UnreadCounts, MatrixError> {
    let read = database
        .read_up_to(room_id, &reader.user_id)
        .await
        .map_err(internal)?;
    let after = read.map_or(joined_at, |read| read.max(joined_at));
    if after >= upto {
        return Ok(UnreadCounts::default());
    }
    let events = database
        .unread_candidates(room_id, &reader.user_id, after, upto)
        .await
        .map_err(internal)?;
    let mut counts = UnreadCounts::default();
    for event in events {
        counts.notifications += 1;
        if event.event_type == "m.room.message" && mentions(&event.json, reader) {
            counts.highlights += 1;
        }
    }
    Ok(counts)
}

/// Whether a message event (PDU JSON) mentions the reader.
fn mentions(json: &str, reader: &Reader) -> bool {
    let Ok(event) = serde_json::from_str::<Value>(json) else {
        return false;
    };
    let content = event.get("content");
    if let Some(mentions) = content.and_then(|c| c.get("m.mentions")) {
        return mentions
            .get("user_ids")
            .and_then(Value::as_array)
            .is_some_and(|ids| ids.iter().any(|id| id.as_str() == Some(&reader.user_id)));
    }
    let Some(body) = content.and_then(|c| c.get("body")).and_then(Value::as_str) else {
        return false;
    };
    let body = body.to_lowercase();
    [Some(&reader.localpart), reader.displayname.as_ref()]
        .into_iter()
        .flatten()
        .filter(|name| !name.is_empty())
        .any(|name| contains_word(&body, &name.to_lowercase()))
}

/// Whether `word` occurs in `text` with no word character on either side (Synapse's
/// `contains_display_name` glob matches at word boundaries).
fn contains_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(start, found)| {
        let before = text[..start].chars().next_back();
        let after = text[start + found.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::{contains_word, mentions, Reader};

    fn reader() -> Reader {
        Reader {
            user_id: "@alice:x".to_owned(),
            localpart: "alice".to_owned(),
            displayname: Some("Alice Liddell".to_owned()),
        }
    }

    #[test]
    fn mentions_follow_intentional_mentions_then_the_body() {
        let json = |content: &str| format!(r#"{{"content": {content}}}"#);
        assert!(mentions(
            &json(r#"{"body": "hi Alice Liddell!"}"#),
            &reader()
        ));
        assert!(mentions(&json(r#"{"body": "ALICE: look"}"#), &reader()));
        assert!(!mentions(&json(r#"{"body": "malice"}"#), &reader()));
        assert!(mentions(
            &json(r#"{"body": "x", "m.mentions": {"user_ids": ["@alice:x"]}}"#),
            &reader()
        ));
        // m.mentions present: the body is not looked at.
        assert!(!mentions(
            &json(r#"{"body": "alice", "m.mentions": {}}"#),
            &reader()
        ));
        assert!(contains_word("a b", "b") && !contains_word("ab", "b"));
    }
}
