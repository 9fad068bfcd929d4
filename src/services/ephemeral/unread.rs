//! Unread notification counts of a joined room (client-server API § "Receiving
//! notifications": `unread_notifications` in `/sync`).
//!
//! A simplification of the default push rules, documented in docs/architecture.md: the events
//! that count are the `m.room.message` and `m.room.encrypted` events others sent after the
//! user's read receipt for the event's thread (spec § "Threaded read receipts": the latest of
//! their unthreaded receipt and their receipt for that thread, `main` for events outside
//! threads; `m.read` or `m.read.private`), and after their membership event.
//! `highlight_count` counts those that mention the user: `m.mentions.user_ids` names them, or,
//! when the event has no `m.mentions` (intentional mentions turn the legacy rules off), the
//! body contains their display name or localpart as a word (case-insensitive). Events in a
//! thread count in the room's counts unless the client asked for
//! `unread_thread_notifications`, which then has them per thread root.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use client_api::MatrixError;

use super::unread_cache::{Basis, UnreadCache};
use crate::services::internal;
use crate::storage::{Database, StreamPosition};

/// At most this many of the newest messages are looked at: counts stop there (clients show
/// "99+" long before), and a long-unread room costs one bounded index range.
const MAX_SCANNED: u32 = 10_000;

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

/// The counts of a room: the main timeline's and, when asked for, each thread's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomUnread {
    /// The room's counts (with the threads' unless they are separate).
    pub main: UnreadCounts,
    /// Thread root → its counts (only when threads are counted separately).
    pub threads: BTreeMap<String, UnreadCounts>,
}

/// `notification_count` and `highlight_count`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnreadCounts {
    /// Events that notify.
    pub notifications: u64,
    /// Those that also highlight.
    pub highlights: u64,
}

/// Where counting stops: the `events` stream position, with the `receipts` stream position
/// read at the same time (the read positions cannot have changed while it stays the same).
#[derive(Clone, Copy, Debug)]
pub struct Upto {
    /// Events up to this position are counted.
    pub events: StreamPosition,
    /// The receipts stream's position when `events` was read.
    pub receipts: StreamPosition,
}

/// The room's counts for `reader` up to `upto`; `joined_at` is the user's membership event;
/// `by_thread`: threads counted separately; `read`: the user's read positions in the room by
/// thread, if already read (else the ones `cache` holds when no receipt arrived since, or
/// they are read here). With the counts `cache` holds for the same read positions, only the
/// events after the ones it counted are read.
#[allow(clippy::too_many_arguments)]
pub async fn unread_counts(
    database: &Database,
    room_id: &str,
    reader: &Reader,
    joined_at: StreamPosition,
    upto: Upto,
    by_thread: bool,
    read: Option<Vec<(String, StreamPosition)>>,
    cache: &UnreadCache,
) -> Result<RoomUnread, MatrixError> {
    let read = match read {
        Some(read) => Some(read),
        None => cache.read_positions(&reader.user_id, room_id, upto.receipts),
    };
    let mut read: Vec<(String, StreamPosition)> = match read {
        Some(read) => read,
        None => database
            .read_positions(room_id, &reader.user_id)
            .await
            .map_err(internal)?,
    };
    let Upto {
        events: upto,
        receipts: receipts_at,
    } = upto;
    read.sort_unstable();
    let read_by_thread: HashMap<String, StreamPosition> = read.iter().cloned().collect();
    let unthreaded = read_by_thread
        .get("")
        .copied()
        .unwrap_or_default()
        .max(joined_at);
    let basis = Basis {
        read,
        joined_at,
        by_thread,
        displayname: reader.displayname.clone(),
    };
    let (mut unread, counted_upto) = match unthreaded >= upto {
        // Everything read: nothing to count (kept too, with its read positions).
        true => (RoomUnread::default(), upto),
        false => cache
            .counted(&reader.user_id, room_id, &basis, upto)
            .unwrap_or((RoomUnread::default(), unthreaded)),
    };
    if counted_upto < upto {
        let events = database
            .unread_candidates(room_id, &reader.user_id, counted_upto, upto, MAX_SCANNED)
            .await
            .map_err(internal)?;
        for event in events {
            let Ok(json) = serde_json::from_str::<Value>(&event.json) else {
                continue;
            };
            let thread = thread_root(&json);
            let read_up_to = read_by_thread
                .get(thread.unwrap_or("main"))
                .copied()
                .unwrap_or_default()
                .max(unthreaded);
            if event.stream_position <= read_up_to {
                continue;
            }
            let counts = match thread {
                Some(root) if by_thread => unread.threads.entry(root.to_owned()).or_default(),
                _ => &mut unread.main,
            };
            counts.notifications += 1;
            if event.event_type == "m.room.message" && mentions(&json, reader) {
                counts.highlights += 1;
            }
        }
    }
    cache.keep(
        &reader.user_id,
        room_id,
        basis,
        (upto, receipts_at),
        &unread,
    );
    Ok(unread)
}

/// The thread root of an event in a thread (`m.relates_to` with `rel_type` `m.thread`).
fn thread_root(event: &Value) -> Option<&str> {
    let relation = event.get("content")?.get("m.relates_to")?;
    if relation.get("rel_type")?.as_str()? != "m.thread" {
        return None;
    }
    relation.get("event_id")?.as_str()
}

/// Whether a message event (PDU JSON) mentions the reader.
fn mentions(event: &Value, reader: &Reader) -> bool {
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
    use super::{contains_word, mentions, thread_root, Reader};

    fn reader() -> Reader {
        Reader {
            user_id: "@alice:x".to_owned(),
            localpart: "alice".to_owned(),
            displayname: Some("Alice Liddell".to_owned()),
        }
    }

    #[test]
    fn mentions_follow_intentional_mentions_then_the_body() {
        let json = |content: &str| -> serde_json::Value {
            serde_json::from_str(&format!(r#"{{"content": {content}}}"#)).expect("json")
        };
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
        let threaded = serde_json::json!({"content": {"m.relates_to": {
            "rel_type": "m.thread", "event_id": "$root"}}});
        assert_eq!(thread_root(&threaded), Some("$root"));
        assert_eq!(thread_root(&json(r#"{"body": "x"}"#)), None);
    }
}
