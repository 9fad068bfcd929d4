//! Password hashing: Argon2id with the `argon2` crate's defaults (m = 19 MiB, t = 2, p = 1, the
//! OWASP recommendation), stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`),
//! which carries its own parameters, so stronger settings later still verify old hashes.
//!
//! Hashing takes tens of milliseconds of CPU on purpose: async callers run it on the fixed
//! pool of `services::blocking`. The 19 MiB of Argon2 working memory is one buffer per thread,
//! reused by every hash on that thread, instead of an allocation per hash: freed blocks of
//! that size stay resident in the allocator's arenas, and 50 concurrent logins left hundreds
//! of megabytes behind.

use std::cell::RefCell;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::rngs::OsRng;

thread_local! {
    /// This thread's Argon2 working memory, grown on demand and kept.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs Argon2 (`algorithm`, `version`, `params`) over `password` and `salt` into `out`, in this
/// thread's reused working memory.
fn argon2_into(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
    })
}

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
    let error = |e: &dyn std::fmt::Display| PasswordError::Hash(e.to_string());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| error(&e))?;
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(output_len, |out| {
        argon2_into(&argon2, &params, password.as_bytes(), salt_raw, out)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| error(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| error(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches `stored` (a PHC string from [`hash_password`]), computed with
/// the parameters the string carries and compared in constant time.
pub fn verify_password(password: &str, stored: &str) -> Result<bool, PasswordError> {
    let malformed = |e: &dyn std::fmt::Display| PasswordError::MalformedHash(e.to_string());
    let parsed = PasswordHash::new(stored).map_err(|e| malformed(&e))?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| malformed(&e))?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| malformed(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(|e| malformed(&e))?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(PasswordError::MalformedHash("no salt or hash".to_owned()));
    };
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| malformed(&e))?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let computed = Output::init_with(expected.len(), |out| {
        argon2_into(&argon2, &params, password.as_bytes(), salt_raw, out)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(|e| malformed(&e))?;
    // `Output`'s equality is constant time.
    Ok(computed == expected)
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
    fn hashes_of_the_argon2_crate_verify_and_ours_verify_with_it() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"pw", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert_eq!(verify_password("pw", &theirs), Ok(true));
        assert_eq!(verify_password("other", &theirs), Ok(false));
        let ours = hash_password("pw").unwrap_or_default();
        let parsed = PasswordHash::new(&ours).expect("PHC string");
        assert!(Argon2::default().verify_password(b"pw", &parsed).is_ok());
    }

    #[test]
    fn a_malformed_stored_hash_is_an_error() {
        assert!(matches!(
            verify_password("pw", "not a hash"),
            Err(PasswordError::MalformedHash(_))
        ));
    }
}
