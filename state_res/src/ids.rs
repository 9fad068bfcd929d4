//! Identifier grammars (spec `appendices.md` § "Identifier Grammar").
//!
//! Every check takes `&str` and allocates nothing on success. Two levels exist where the spec
//! draws one:
//!
//! - what we **accept** from other servers: [`check_user_id`] takes historical user ids
//!   (§ "Historical User IDs"), room ids, aliases and event ids take any localpart the spec
//!   allows (anything but `:` and NUL);
//! - what we **create**: [`check_user_id_strict`] and [`check_localpart_for_registration`] take
//!   only the current user id grammar (§ "User Identifiers").
//!
//! User ids, room ids, room aliases and v1/v2 event ids are `sigil localpart ":" server_name`
//! and split at the **first** colon (§ "Common Identifier Format"): their localparts may not
//! contain `:`, while a server name may (its port).

mod device_id;
mod event_id;
mod key_id;
mod namespaced;
mod room_alias;
mod room_id;
mod server_name;
mod user_id;

#[cfg(test)]
mod tests;

use std::fmt;

pub use device_id::{check_device_id, MAX_DEVICE_ID_BYTES};
pub use event_id::check_event_id;
pub use key_id::{check_key_id, MAX_KEY_ID_BYTES};
pub use namespaced::{check_namespaced_id, check_opaque_id};
pub use room_alias::check_room_alias;
pub use room_id::check_room_id;
pub use server_name::{
    check_server_name, parse_server_name, HostKind, ServerName, MAX_SERVER_NAME_BYTES,
};
pub use user_id::{
    check_localpart_for_registration, check_user_id, check_user_id_compliant, check_user_id_strict,
};

/// The byte limit on user ids, room ids, room aliases and event ids, sigil and server name
/// included (§ "User Identifiers", "Room IDs", "Room Aliases", "Event IDs").
pub const MAX_ID_BYTES: usize = 255;

/// Which kind of identifier an [`IdError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    ServerName,
    UserId,
    /// A user id localpart on its own (registration).
    Localpart,
    RoomId,
    RoomAlias,
    EventId,
    DeviceId,
    KeyId,
    NamespacedId,
    OpaqueId,
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::ServerName => "server name",
            IdKind::UserId => "user id",
            IdKind::Localpart => "user id localpart",
            IdKind::RoomId => "room id",
            IdKind::RoomAlias => "room alias",
            IdKind::EventId => "event id",
            IdKind::DeviceId => "device id",
            IdKind::KeyId => "key id",
            IdKind::NamespacedId => "namespaced identifier",
            IdKind::OpaqueId => "opaque identifier",
        })
    }
}

/// Why an identifier was rejected. The `Display` text is fit for a Matrix error body
/// (`M_INVALID_PARAM`, `M_INVALID_USERNAME`, …); it never echoes the whole input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("identifier is empty")]
    Empty,
    #[error("{kind} is {len} bytes long, over the limit of {max}")]
    TooLong {
        kind: IdKind,
        len: usize,
        max: usize,
    },
    #[error("identifier must start with '{expected}'")]
    MissingSigil { expected: char },
    #[error("identifier has no ':' followed by a server name")]
    MissingServerName,
    #[error("invalid server name: {0}")]
    InvalidServerName(String),
    #[error("invalid localpart: {0}")]
    InvalidLocalpart(String),
    #[error("{kind} contains the invalid character {ch:?} at byte {at}")]
    InvalidCharacter { kind: IdKind, ch: char, at: usize },
    #[error("invalid {kind}: {reason}")]
    Malformed { kind: IdKind, reason: &'static str },
}

/// The server name of a user id, room id, room alias or v1/v2 event id: everything after the
/// first `:`. `None` without a sigil, or for domain-less ids (v3+ event ids, v12 room ids).
/// Does not validate: check the id first.
pub fn server_name_of(id: &str) -> Option<&str> {
    split_id(id).map(|(_, server)| server)
}

/// The localpart of a user id, room id, room alias or v1/v2 event id: between the sigil and the
/// first `:` (possibly empty for a historical user id). `None` without a sigil or for
/// domain-less ids. Does not validate: check the id first.
pub fn localpart_of(id: &str) -> Option<&str> {
    split_id(id).map(|(local, _)| local)
}

fn split_id(id: &str) -> Option<(&str, &str)> {
    let rest = id.strip_prefix(['@', '!', '#', '$'])?;
    rest.split_once(':')
}

/// Common prefix of the sigil'd ids: non-empty, at most [`MAX_ID_BYTES`], starts with `sigil`.
/// Returns the text after the sigil.
fn strip_sigil(s: &str, kind: IdKind, sigil: char) -> Result<&str, IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    check_len(s, kind, MAX_ID_BYTES)?;
    s.strip_prefix(sigil)
        .ok_or(IdError::MissingSigil { expected: sigil })
}

fn check_len(s: &str, kind: IdKind, max: usize) -> Result<(), IdError> {
    if s.len() > max {
        return Err(IdError::TooLong {
            kind,
            len: s.len(),
            max,
        });
    }
    Ok(())
}

/// Splits `localpart:server_name` at the first colon and validates the server name.
fn split_server(rest: &str) -> Result<(&str, &str), IdError> {
    let (local, server) = rest.split_once(':').ok_or(IdError::MissingServerName)?;
    if server.is_empty() {
        return Err(IdError::MissingServerName);
    }
    check_server_name(server)?;
    Ok((local, server))
}

/// The localpart rule shared by room ids, room aliases and the historical user id grammar:
/// any code point but `:` (excluded by the split) and NUL. Rust strings hold no surrogates.
fn check_no_nul(local: &str, kind: IdKind, offset: usize) -> Result<(), IdError> {
    match local.find('\0') {
        Some(at) => Err(IdError::InvalidCharacter {
            kind,
            ch: '\0',
            at: offset + at,
        }),
        None => Ok(()),
    }
}

/// The first character of `s` that fails `allowed`, reported at its byte offset plus `offset`.
fn check_chars(
    s: &str,
    kind: IdKind,
    offset: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), IdError> {
    match s.char_indices().find(|&(_, c)| !allowed(c)) {
        Some((at, ch)) => Err(IdError::InvalidCharacter {
            kind,
            ch,
            at: offset + at,
        }),
        None => Ok(()),
    }
}
