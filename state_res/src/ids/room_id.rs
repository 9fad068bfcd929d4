//! Room ids (spec `appendices.md` § "Room IDs", `rooms/v12.md`).
//!
//! - Up to room version 11: `!opaque_id:domain`; the localpart may hold any code point but
//!   `:` and NUL (taken here as non-empty: only user ids carry the spec's explicit empty-string
//!   allowance), the domain is a server name.
//! - Room version 12: no domain; the room id is the event id of the `m.room.create` event with
//!   `!` for `$`, "the grammar is otherwise inherited verbatim": 43 characters of URL-safe
//!   unpadded Base64 of a sha256 reference hash.
//!
//! At most 255 bytes in all.

use super::event_id::{check_hash_b64, Alphabet, HASH_B64_LEN};
use super::{check_no_nul, split_server, strip_sigil, IdError, IdKind};

/// Validates a room id of any room version.
pub fn check_room_id(s: &str) -> Result<(), IdError> {
    let rest = strip_sigil(s, IdKind::RoomId, '!')?;
    if rest.contains(':') {
        let (local, _server) = split_server(rest)?;
        if local.is_empty() {
            return Err(IdError::InvalidLocalpart("the opaque part is empty".into()));
        }
        return check_no_nul(local, IdKind::RoomId, 1);
    }
    if rest.len() != HASH_B64_LEN {
        return Err(IdError::Malformed {
            kind: IdKind::RoomId,
            reason: "expected '!opaque:server', or 43 characters of URL-safe base64 \
                     (room version 12)",
        });
    }
    check_hash_b64(rest, Alphabet::UrlSafe, IdKind::RoomId, 1)
}
