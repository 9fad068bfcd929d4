//! User ids (spec `appendices.md` § "User Identifiers" and § "Historical User IDs").
//!
//! ```text
//! user_id = "@" user_id_localpart ":" server_name
//! user_id_localpart = 1*user_id_char
//! user_id_char = DIGIT / %x61-7A / "-" / "." / "=" / "_" / "/" / "+"
//! ```
//!
//! Three levels, from lenient to strict:
//!
//! - [`check_user_id`]: the historical grammar that "clients and servers MUST accept": any
//!   code point but `:` and NUL in the localpart, the empty localpart included. Use it on
//!   everything received over federation (senders, state keys of member events).
//! - [`check_user_id_compliant`]: a non-empty localpart within U+0021–U+007E. The spec calls
//!   anything else "non-compliant": accepted in events, but not forwarded to clients outside
//!   an event (for example device list updates from such users are dropped).
//! - [`check_user_id_strict`]: the current grammar, for ids this server creates.
//!
//! All three cap the whole id at 255 bytes.

use super::{
    check_chars, check_len, check_no_nul, split_server, strip_sigil, IdError, IdKind, MAX_ID_BYTES,
};

/// The longest localpart that can fit a user id: `@`, `:` and a one-byte server name take 3.
const MAX_LOCALPART_BYTES: usize = MAX_ID_BYTES - 3;

/// `user_id_char`: `a-z`, `0-9`, `-`, `.`, `=`, `_`, `/`, `+`.
fn is_user_id_char(c: char) -> bool {
    matches!(c, 'a'..='z' | '0'..='9' | '-' | '.' | '=' | '_' | '/' | '+')
}

/// Splits and validates the parts every level shares; returns the localpart.
fn parse(s: &str) -> Result<&str, IdError> {
    let rest = strip_sigil(s, IdKind::UserId, '@')?;
    let (local, _server) = split_server(rest)?;
    check_no_nul(local, IdKind::UserId, 1)?;
    Ok(local)
}

fn non_empty(local: &str) -> Result<(), IdError> {
    if local.is_empty() {
        return Err(IdError::InvalidLocalpart("the localpart is empty".into()));
    }
    Ok(())
}

/// A user id we must accept over federation: the historical grammar.
pub fn check_user_id(s: &str) -> Result<(), IdError> {
    parse(s).map(|_| ())
}

/// A user id the spec does not call "non-compliant": non-empty localpart of printable ASCII
/// (U+0021–U+007E).
pub fn check_user_id_compliant(s: &str) -> Result<(), IdError> {
    let local = parse(s)?;
    non_empty(local)?;
    check_chars(local, IdKind::UserId, 1, |c| {
        ('\u{21}'..='\u{7e}').contains(&c)
    })
}

/// A user id in the current grammar: what this server may create.
pub fn check_user_id_strict(s: &str) -> Result<(), IdError> {
    let local = parse(s)?;
    non_empty(local)?;
    check_chars(local, IdKind::UserId, 1, is_user_id_char)
}

/// A localpart requested for a new account (`/register`), after the caller has lowercased it
/// as the spec requires of homeservers: non-empty, current grammar, short enough to leave room
/// for `@`, `:` and a server name. The caller still checks the assembled id with
/// [`check_user_id_strict`], which knows the real server name length. Server policy (reserved
/// prefixes, numeric guest localparts) is not decided here.
pub fn check_localpart_for_registration(localpart: &str) -> Result<(), IdError> {
    non_empty(localpart)?;
    check_len(localpart, IdKind::Localpart, MAX_LOCALPART_BYTES)?;
    check_chars(localpart, IdKind::Localpart, 0, is_user_id_char)
}
