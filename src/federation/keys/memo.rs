//! The remote keys recently read from the database, kept in memory so that verifying every PDU
//! of a transaction does not read the same key again. An entry holds the key with the time it
//! is usable until (as [`super::KeyRing`] computed it) and is kept at most [`MEMO_FOR`]; a
//! new key response for the server forgets its entries.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use state_res::signing::VerifyingKey;

/// How long a remembered key is used before it is read again (another process may have
/// stored a response that expires it).
const MEMO_FOR: Duration = Duration::from_secs(300);

/// Entries kept at most; past it, the memo starts over.
const MAX_KEYS: usize = 4096;

#[derive(Debug, Clone)]
struct Entry {
    key: VerifyingKey,
    usable_until: i64,
    read_at: Instant,
}

/// `(server, key id)` → the key and its usable-until time.
#[derive(Debug, Default)]
pub(super) struct KeyMemo {
    keys: Mutex<HashMap<(String, String), Entry>>,
}

impl KeyMemo {
    /// The remembered key, if it was read recently and is usable at `valid_at`.
    pub(super) fn get(&self, server: &str, key_id: &str, valid_at: i64) -> Option<VerifyingKey> {
        let keys = self.lock();
        let entry = keys.get(&(server.to_owned(), key_id.to_owned()))?;
        (entry.read_at.elapsed() < MEMO_FOR && entry.usable_until >= valid_at).then_some(entry.key)
    }

    /// Remembers a key read from the database.
    pub(super) fn put(&self, server: &str, key_id: &str, key: &VerifyingKey, usable_until: i64) {
        let mut keys = self.lock();
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        let entry = Entry {
            key: *key,
            usable_until,
            read_at: Instant::now(),
        };
        keys.insert((server.to_owned(), key_id.to_owned()), entry);
    }

    /// Forgets `server`'s keys (a new response may have expired some).
    pub(super) fn forget_server(&self, server: &str) {
        self.lock().retain(|(name, _), _| name != server);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }
}
