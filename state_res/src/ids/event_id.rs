//! Event ids (spec `appendices.md` § "Event IDs"; `rooms/v1.md`, `rooms/v3.md`, `rooms/v4.md`
//! § "Event IDs").
//!
//! - v1, v2: `$opaque_id:domain`, `opaque_id` a locally-unique string (taken here as a
//!   non-empty localpart without NUL, like a room id's).
//! - v3: `$` + the reference hash (sha256, 32 bytes) in unpadded standard Base64: 43 chars of
//!   `A-Za-z0-9+/`.
//! - v4 and later: the same hash in unpadded URL-safe Base64: 43 chars of `A-Za-z0-9-_`.
//!
//! Without a room version the format is told apart by the colon, which neither Base64 alphabet
//! contains. The hash forms must decode to exactly 32 bytes: 43 characters carry 258 bits, so
//! the last character's two low bits must be zero (what a strict decoder demands).

use super::{check_no_nul, split_server, strip_sigil, IdError, IdKind};

/// Length of a sha256 digest in unpadded Base64.
pub(super) const HASH_B64_LEN: usize = 43;

/// Which alphabet a reference-hash id uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Alphabet {
    /// Standard (`+`, `/`): room version 3 event ids.
    Standard,
    /// URL-safe (`-`, `_`): event ids from room version 4, v12 room ids.
    UrlSafe,
}

impl Alphabet {
    fn value(self, c: char) -> Option<u8> {
        let v = match c {
            'A'..='Z' => c as u8 - b'A',
            'a'..='z' => c as u8 - b'a' + 26,
            '0'..='9' => c as u8 - b'0' + 52,
            '+' if self == Alphabet::Standard => 62,
            '/' if self == Alphabet::Standard => 63,
            '-' if self == Alphabet::UrlSafe => 62,
            '_' if self == Alphabet::UrlSafe => 63,
            _ => return None,
        };
        Some(v)
    }
}

/// Checks that `hash` is a sha256 digest in unpadded Base64 of `alphabet`. `offset` is the
/// byte offset of `hash` in the whole id, for error positions.
pub(super) fn check_hash_b64(
    hash: &str,
    alphabet: Alphabet,
    kind: IdKind,
    offset: usize,
) -> Result<(), IdError> {
    let mut last = 0;
    for (at, ch) in hash.char_indices() {
        last = alphabet.value(ch).ok_or(IdError::InvalidCharacter {
            kind,
            ch,
            at: offset + at,
        })?;
    }
    if hash.len() != HASH_B64_LEN {
        return Err(IdError::Malformed {
            kind,
            reason: "a hash must be 43 characters of unpadded base64",
        });
    }
    if last & 0b11 != 0 {
        return Err(IdError::Malformed {
            kind,
            reason: "the base64 hash has non-zero trailing bits",
        });
    }
    Ok(())
}

/// Validates an event id of any room version.
pub fn check_event_id(s: &str) -> Result<(), IdError> {
    let rest = strip_sigil(s, IdKind::EventId, '$')?;
    if rest.contains(':') {
        let (local, _server) = split_server(rest)?;
        if local.is_empty() {
            return Err(IdError::InvalidLocalpart("the opaque part is empty".into()));
        }
        return check_no_nul(local, IdKind::EventId, 1);
    }
    let alphabet = if rest.contains(['-', '_']) {
        Alphabet::UrlSafe
    } else {
        Alphabet::Standard
    };
    check_hash_b64(rest, alphabet, IdKind::EventId, 1)
}
