//! Password hashing: Argon2id with the `argon2` crate's defaults (m = 19 MiB, t = 2, p = 1, the
//! OWASP recommendation), stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`),
//! which carries its own parameters, so stronger settings later still verify old hashes.
//!
//! Hashing takes tens of milliseconds of CPU on purpose: async callers run it on
//! `tokio::task::spawn_blocking`.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::Argon2;
use rand::rngs::OsRng;

/// Why hashing or verification could not be done (a wrong password is not an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// The hashing library failed (e.g. a password over its length limit).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The stored hash is not a PHC string we can verify against.
    #[error("stored password hash is malformed: {0}")]
    MalformedHash(String),
}

/// Hashes `password` with Argon2id and a fresh random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches `stored` (a PHC string from [`hash_password`]).
pub fn verify_password(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let parsed =
        PasswordHash::new(stored).map_err(|e| PasswordError::MalformedHash(e.to_string()))?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(PasswordError::MalformedHash(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse").unwrap_or_default();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert_eq!(verify_password("correct horse", &hash), Ok(true));
        assert_eq!(verify_password("battery staple", &hash), Ok(false));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(hash_password("pw").ok(), hash_password("pw").ok());
    }

    #[test]
    fn a_malformed_stored_hash_is_an_error() {
        assert!(matches!(
            verify_password("pw", "not a hash"),
            Err(PasswordError::MalformedHash(_))
        ));
    }
}
