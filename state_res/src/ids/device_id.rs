//! Device ids. The spec leaves them opaque: the legacy `/login` and `/register` take any string
//! a client sends, and servers generate their own. The OAuth 2.0 flow (client-server
//! § "Device ID allocation") asks clients for RFC 3986 unreserved characters and requires
//! RFC 6749 scope characters (`%x21 / %x23-5B / %x5D-7E`), but only for that flow.
//!
//! We accept what every flow can produce and every store can hold: 1 to 255 bytes (the default
//! bound of the spec's opaque identifiers), no control characters (NUL included).

use super::{check_chars, check_len, IdError, IdKind};

/// The byte limit on a device id.
pub const MAX_DEVICE_ID_BYTES: usize = 255;

/// Validates a device id.
pub fn check_device_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    check_len(s, IdKind::DeviceId, MAX_DEVICE_ID_BYTES)?;
    check_chars(s, IdKind::DeviceId, 0, |c| !c.is_control())
}
