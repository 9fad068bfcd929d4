//! Who a user identifier names, and whether a password is theirs: shared by `POST /login` and
//! the `m.login.password` UIA stage.

use std::sync::OnceLock;

use client_api::uia::UserIdentifier;
use client_api::MatrixError;

use super::{blocking, internal};
use crate::password::{hash_password, verify_password};
use crate::storage::Database;

/// The answer of a password check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordCheck {
    /// The password is right; the user's canonical id.
    Valid(String),
    /// Unknown user, no password, or the wrong password.
    Invalid,
    /// The account is deactivated.
    Deactivated,
}

/// Resolves identifiers and checks passwords against the `users` table.
#[derive(Clone, Debug)]
pub struct Credentials {
    database: Database,
    server_name: String,
}

impl Credentials {
    /// Credentials of the users of `server_name`.
    pub fn new(database: Database, server_name: String) -> Self {
        Self {
            database,
            server_name,
        }
    }

    /// This server's name.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// The user named by an `identifier` object or the deprecated top-level `user` field
    /// (spec § "Identifier types"), as `@localpart:server`; not checked for existence.
    /// Third-party identifiers name nobody (this server binds none): 403 `M_FORBIDDEN`.
    pub fn user_named(
        &self,
        identifier: Option<&UserIdentifier>,
        legacy_user: Option<&str>,
    ) -> Result<String, MatrixError> {
        let user = match identifier {
            Some(identifier) => match identifier.kind.as_str() {
                "m.id.user" => identifier.user.as_deref().ok_or_else(|| {
                    MatrixError::missing_param("User identifier is missing 'user' key")
                })?,
                "m.id.thirdparty" | "m.id.phone" => return Err(invalid_credentials()),
                _ => {
                    return Err(MatrixError::bad_request(
                        "M_UNKNOWN",
                        "Unknown login identifier type",
                    ))
                }
            },
            None => legacy_user
                .ok_or_else(|| MatrixError::missing_param("Missing param: identifier"))?,
        };
        Ok(if user.starts_with('@') {
            user.to_owned()
        } else {
            format!("@{user}:{}", self.server_name)
        })
    }

    /// Checks `password` for `user_id`. A user id not stored as given is looked up again with a
    /// lowercased localpart (users type `Alice`; ids are created lowercase).
    pub async fn check_password(
        &self,
        user_id: &str,
        password: &str,
    ) -> Result<PasswordCheck, MatrixError> {
        let mut user = self.database.get_user(user_id).await.map_err(internal)?;
        if user.is_none() {
            let lowered = lowercase_localpart(user_id);
            if lowered != user_id {
                user = self.database.get_user(&lowered).await.map_err(internal)?;
            }
        }
        let Some(user) = user else {
            // As slow as a wrong password, so timing does not tell which user names exist.
            let password = password.to_owned();
            blocking(move || verify_password(&password, dummy_hash()))
                .await?
                .ok();
            return Ok(PasswordCheck::Invalid);
        };
        if user.deactivated {
            return Ok(PasswordCheck::Deactivated);
        }
        let Some(hash) = user.password_hash else {
            return Ok(PasswordCheck::Invalid);
        };
        let password = password.to_owned();
        let matches = blocking(move || verify_password(&password, &hash)).await?;
        match matches {
            Ok(true) => Ok(PasswordCheck::Valid(user.user_id)),
            Ok(false) => Ok(PasswordCheck::Invalid),
            Err(error) => {
                tracing::error!(%error, "stored password hash cannot be verified");
                Ok(PasswordCheck::Invalid)
            }
        }
    }
}

/// A hash to verify against when the user does not exist (made once, on first use).
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("not a password").unwrap_or_default())
}

/// 403 `M_FORBIDDEN` "Invalid username or password": the same answer whether the user is
/// unknown or the password wrong.
pub fn invalid_credentials() -> MatrixError {
    MatrixError::forbidden("Invalid username or password")
}

/// `@Alice:Server` → `@alice:Server` (only the localpart).
fn lowercase_localpart(user_id: &str) -> String {
    match user_id.split_once(':') {
        Some((local, server)) => format!("{}:{server}", local.to_lowercase()),
        None => user_id.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_localpart_is_lowercased() {
        assert_eq!(
            lowercase_localpart("@Alice:Example.org"),
            "@alice:Example.org"
        );
    }
}
