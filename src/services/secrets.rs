//! Random secrets and ids. Tokens carry 32 bytes from the OS generator, URL-safe Base64 without
//! padding (safe in a query string), behind a short prefix that names the kind of secret (so a
//! leaked token is recognisable by secret scanners). Only their SHA-256 is stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::{Rng as _, RngCore as _};

/// Prefix of access tokens.
pub const ACCESS_TOKEN_PREFIX: &str = "cat_";
/// Prefix of refresh tokens.
pub const REFRESH_TOKEN_PREFIX: &str = "crt_";

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A new access token.
pub fn access_token() -> String {
    random_token(ACCESS_TOKEN_PREFIX)
}

/// A new refresh token.
pub fn refresh_token() -> String {
    random_token(REFRESH_TOKEN_PREFIX)
}

/// `len` random characters from `alphabet`.
pub fn random_string(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[OsRng.gen_range(0..alphabet.len())]))
        .collect()
}

/// A device id as Synapse makes them: ten uppercase letters.
pub fn device_id() -> String {
    random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10)
}

/// A UIA session id: 24 letters.
pub fn session_id() -> String {
    random_string(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 24)
}

/// A random hex string of `bytes` bytes (the shared-secret registration nonce).
pub fn hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn tokens_are_url_safe_long_and_distinct() {
        let tokens: HashSet<String> = (0..100).map(|_| access_token()).collect();
        assert_eq!(tokens.len(), 100);
        for token in &tokens {
            let body = token.strip_prefix(ACCESS_TOKEN_PREFIX).unwrap_or_default();
            assert_eq!(body.len(), 43, "{token}");
            assert!(body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(URL_SAFE_NO_PAD.decode(body).map(|b| b.len()).ok(), Some(32));
        }
        assert!(refresh_token().starts_with(REFRESH_TOKEN_PREFIX));
    }

    #[test]
    fn ids_have_their_shapes() {
        let device = device_id();
        assert_eq!(device.len(), 10);
        assert!(device.bytes().all(|b| b.is_ascii_uppercase()));
        assert_eq!(session_id().len(), 24);
        assert_eq!(hex(64).len(), 128);
    }
}
