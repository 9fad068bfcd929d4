//! The two generic grammars of spec `appendices.md`.
//!
//! § "Common Namespaced Identifier Grammar": 1 to 255 characters, starting with `[a-z]`, made
//! of `[a-z]`, `[0-9]`, `-`, `_` and `.`. (`m.` is reserved for the spec; reverse-DNS
//! namespacing is a convention. Neither is enforced here: who may use `m.` is the caller's
//! rule.)
//!
//! § "Opaque Identifiers": 1 to 255 characters of `[0-9A-Za-z-._~]` (RFC 3986 unreserved).

use super::{check_chars, check_len, IdError, IdKind};

/// The length limit of both grammars (all their characters are ASCII, so bytes).
const MAX_LEN: usize = 255;

/// Validates an identifier in the Common Namespaced Identifier Grammar.
pub fn check_namespaced_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    check_len(s, IdKind::NamespacedId, MAX_LEN)?;
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(IdError::Malformed {
            kind: IdKind::NamespacedId,
            reason: "must start with a lowercase letter a-z",
        });
    }
    check_chars(s, IdKind::NamespacedId, 0, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
    })
}

/// Validates an identifier in the Opaque Identifier Grammar.
pub fn check_opaque_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    check_len(s, IdKind::OpaqueId, MAX_LEN)?;
    check_chars(s, IdKind::OpaqueId, 0, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
    })
}
