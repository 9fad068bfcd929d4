//! The `access_tokens` table. Only the SHA-256 of a token is stored ([`TokenHash`]): a leaked
//! database does not leak usable tokens.

use std::fmt::Write as _;

use super::read::Columns;
use super::write::Tx;
use sha2::{Digest, Sha256};

use super::{Database, StorageError};

/// The lowercase hex SHA-256 of an access token: the only form in which a token is stored or
/// looked up. Built only from the raw token, so a raw token cannot be stored by mistake.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes a raw access token.
    pub fn of(raw_token: &str) -> Self {
        let digest = Sha256::digest(raw_token.as_bytes());
        let mut hex = String::with_capacity(64);
        for byte in digest {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
        }
        TokenHash(hex)
    }

    /// A hash read back from the database.
    pub(crate) fn from_stored(hex: String) -> Self {
        TokenHash(hex)
    }

    /// The hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for TokenHash {
    /// Shows a prefix only: enough to correlate, too little to matter.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenHash({}…)", self.0.get(..8).unwrap_or_default())
    }
}

/// An access token to store.
#[derive(Clone, Debug)]
pub struct NewAccessToken<'a> {
    /// The token's hash.
    pub token_hash: &'a TokenHash,
    /// The user it authenticates; must exist.
    pub user_id: &'a str,
    /// The device it belongs to (`None` for e.g. appservice tokens).
    pub device_id: Option<&'a str>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_ts: i64,
    /// Expiry, milliseconds since the Unix epoch, if the token expires.
    pub expires_ts: Option<i64>,
    /// The refresh token issued with it, if the client asked for one.
    pub refresh_token_hash: Option<&'a TokenHash>,
    /// Whether its first use retires the refresh token its refresh token replaced (tokens
    /// issued by `/refresh`).
    pub retire_previous: bool,
}

/// A stored access token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessToken {
    /// The token's hash.
    pub token_hash: TokenHash,
    /// The user it authenticates.
    pub user_id: String,
    /// The device it belongs to.
    pub device_id: Option<String>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_ts: i64,
    /// Expiry, milliseconds since the Unix epoch, if any.
    pub expires_ts: Option<i64>,
    /// The refresh token issued with it, if any.
    pub refresh_token_hash: Option<TokenHash>,
    /// Whether its first use must retire the refresh token its refresh token replaced.
    pub retire_previous: bool,
}

impl AccessToken {
    /// Whether the token is still valid at `now_ms`.
    pub fn is_valid_at(&self, now_ms: i64) -> bool {
        self.expires_ts.is_none_or(|expires| now_ms < expires)
    }

    fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        Ok(AccessToken {
            token_hash: TokenHash(row.column("token_hash")?),
            user_id: row.column("user_id")?,
            device_id: row.column("device_id")?,
            created_ts: row.column("created_ts")?,
            expires_ts: row.column("expires_ts")?,
            refresh_token_hash: row
                .column::<Option<String>>("refresh_token_hash")?
                .map(TokenHash),
            retire_previous: row.column::<bool>("retire_previous")?,
        })
    }
}

impl Database {
    /// Stores a token. [`StorageError::Conflict`] if the same hash is already stored.
    pub async fn add_access_token(&self, token: &NewAccessToken<'_>) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        insert_access_token(&mut tx, token).await?;
        tx.commit().await
    }

    /// The token with this hash, expired or not (see [`AccessToken::is_valid_at`]).
    pub async fn find_access_token(
        &self,
        token_hash: &TokenHash,
    ) -> Result<Option<AccessToken>, StorageError> {
        let row = self.read_query(
            "SELECT token_hash, user_id, device_id, created_ts, expires_ts, refresh_token_hash, \
             retire_previous FROM access_tokens WHERE token_hash = $1",
        )
        .bind(token_hash.as_str())
        .fetch_optional()
        .await?;
        row.as_ref().map(AccessToken::from_row).transpose()
    }

    /// Deletes one token (logout); `false` if it was not stored.
    pub async fn delete_access_token(&self, token_hash: &TokenHash) -> Result<bool, StorageError> {
        let result = self
            .write_query("DELETE FROM access_tokens WHERE token_hash = $1")
            .bind(token_hash.as_str())
            .execute()
            .await?;
        Ok(result > 0)
    }

    /// Deletes all tokens of a user except `keep` (logout/all, password change); returns how
    /// many were deleted.
    pub async fn delete_access_tokens_for_user(
        &self,
        user_id: &str,
        keep: Option<&TokenHash>,
    ) -> Result<u64, StorageError> {
        let result = self
            .write_query(
                "DELETE FROM access_tokens WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)",
            )
            .bind(user_id)
            .bind(keep.map(TokenHash::as_str))
            .execute()
            .await?;
        Ok(result)
    }
}

/// Inserts an access token on `conn` (a pool connection or a transaction).
pub(crate) async fn insert_access_token(
    conn: &mut Tx<'_>,
    token: &NewAccessToken<'_>,
) -> Result<(), StorageError> {
    conn.query(
        "INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, expires_ts, \
         refresh_token_hash, retire_previous) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token.token_hash.as_str())
    .bind(token.user_id)
    .bind(token.device_id)
    .bind(token.created_ts)
    .bind(token.expires_ts)
    .bind(token.refresh_token_hash.map(TokenHash::as_str))
    .bind(token.retire_previous)
    .execute()
    .await?;
    Ok(())
}
