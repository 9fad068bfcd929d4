//! Room aliases (spec `appendices.md` § "Room Aliases"):
//!
//! ```text
//! #room_alias:domain
//! ```
//!
//! "The localpart of a room alias may contain any valid non-surrogate Unicode codepoints except
//! `:` and `NUL`": the alias splits at its first colon, the rest is a server name (which may
//! carry a port). The localpart is taken as non-empty. At most 255 bytes in all.

use super::{check_no_nul, split_server, strip_sigil, IdError, IdKind};

/// Validates a room alias.
pub fn check_room_alias(s: &str) -> Result<(), IdError> {
    let rest = strip_sigil(s, IdKind::RoomAlias, '#')?;
    let (local, _server) = split_server(rest)?;
    if local.is_empty() {
        return Err(IdError::InvalidLocalpart(
            "the alias localpart is empty".into(),
        ));
    }
    check_no_nul(local, IdKind::RoomAlias, 1)
}
