//! Signing key ids (spec `server-server-api.md` § "Publishing Keys"; `appendices.md`
//! § "Signing Details"): `<algorithm>:<version>`. "The version must have characters matching
//! the regular expression `[a-zA-Z0-9_]`." The algorithm is `ed25519` today; others are
//! accepted here (lowercase ASCII letters, digits, `_`, as in `signed_curve25519`) so a caller
//! can skip the keys whose algorithm it does not understand, as § "Checking for a Signature"
//! requires, rather than failing on them.
//!
//! Device key ids (`ed25519:<device_id>`) carry a device id and are not checked by this.

use super::{check_chars, check_len, IdError, IdKind};

/// The byte limit on a key id.
pub const MAX_KEY_ID_BYTES: usize = 255;

/// Validates a server signing key id.
pub fn check_key_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    check_len(s, IdKind::KeyId, MAX_KEY_ID_BYTES)?;
    let (algorithm, version) = s.split_once(':').ok_or(IdError::Malformed {
        kind: IdKind::KeyId,
        reason: "expected '<algorithm>:<version>'",
    })?;
    if algorithm.is_empty() || version.is_empty() {
        return Err(IdError::Malformed {
            kind: IdKind::KeyId,
            reason: "the algorithm and the version must not be empty",
        });
    }
    check_chars(algorithm, IdKind::KeyId, 0, |c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
    })?;
    let offset = algorithm.len() + 1;
    check_chars(version, IdKind::KeyId, offset, |c| {
        c.is_ascii_alphanumeric() || c == '_'
    })
}
