//! Login sessions as a whole: a device with its access token and optional refresh token
//! created in one transaction, refresh token rotation, and the logouts that remove devices
//! with everything bound to them.
//!
//! Refresh tokens follow the spec (§ "Refreshing access tokens"): `/refresh` issues a new pair
//! and links the old refresh token to the new one (`next_token_hash`). The old refresh token
//! stays usable until the new access token or the new refresh token is used; then the old one is
//! deleted together with the access tokens issued with it.

use super::read::Columns;
use super::write::Tx;

use super::tokens::insert_access_token;
use super::{Database, NewAccessToken, StorageError, TokenHash};

/// A stored refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshToken {
    /// The token's hash.
    pub token_hash: TokenHash,
    /// The user.
    pub user_id: String,
    /// The device the token belongs to.
    pub device_id: String,
}

impl RefreshToken {
    fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        Ok(RefreshToken {
            token_hash: TokenHash::from_stored(row.column("token_hash")?),
            user_id: row.column("user_id")?,
            device_id: row.column("device_id")?,
        })
    }
}

/// A login or registration to store.
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    /// The user; must exist.
    pub user_id: &'a str,
    /// The device: created if the user has no device with this id, reused otherwise.
    pub device_id: &'a str,
    /// The display name of a newly created device.
    pub initial_device_display_name: Option<&'a str>,
    /// The access token's hash.
    pub access_token_hash: &'a TokenHash,
    /// When the access token expires (ms since the epoch), if it does.
    pub access_token_expires_ts: Option<i64>,
    /// The refresh token's hash, if the client asked for one.
    pub refresh_token_hash: Option<&'a TokenHash>,
    /// Now, ms since the epoch.
    pub created_ts: i64,
}

/// A refresh to store: the new tokens replacing an old refresh token.
#[derive(Clone, Debug)]
pub struct Refresh<'a> {
    /// The refresh token presented.
    pub old_refresh_token_hash: &'a TokenHash,
    /// The new refresh token.
    pub refresh_token_hash: &'a TokenHash,
    /// The new access token.
    pub access_token_hash: &'a TokenHash,
    /// When the new access token expires.
    pub access_token_expires_ts: Option<i64>,
    /// Now.
    pub created_ts: i64,
}

impl Database {
    /// Stores a login: the device (unless it exists), the refresh token if any, and the access
    /// token, in one transaction.
    pub async fn create_session(&self, session: &NewSession<'_>) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        tx.query(
            "INSERT INTO devices (user_id, device_id, display_name, created_ts) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, device_id) DO NOTHING",
        )
        .bind(session.user_id)
        .bind(session.device_id)
        .bind(session.initial_device_display_name)
        .bind(session.created_ts)
        .execute()
        .await?;
        if let Some(refresh) = session.refresh_token_hash {
            insert_refresh_token(
                &mut tx,
                refresh,
                session.user_id,
                session.device_id,
                session.created_ts,
            )
            .await?;
        }
        insert_access_token(
            &mut tx,
            &NewAccessToken {
                token_hash: session.access_token_hash,
                user_id: session.user_id,
                device_id: Some(session.device_id),
                created_ts: session.created_ts,
                expires_ts: session.access_token_expires_ts,
                refresh_token_hash: session.refresh_token_hash,
                retire_previous: false,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a refresh token with a new pair. `None` (and nothing stored) if the old refresh
    /// token is unknown or already retired. A previous unused successor of the old token (the
    /// client refreshed twice with it) is deleted with its access tokens; the old token's own
    /// predecessor is retired, since the old token has now been used.
    pub async fn refresh_session(
        &self,
        refresh: &Refresh<'_>,
    ) -> Result<Option<RefreshToken>, StorageError> {
        let mut tx = self.begin_write().await?;
        let old = tx
            .query(
                "SELECT token_hash, user_id, device_id, next_token_hash FROM refresh_tokens \
             WHERE token_hash = $1",
            )
            .bind(refresh.old_refresh_token_hash.as_str())
            .fetch_optional()
            .await?;
        let Some(old_row) = old else {
            return Ok(None);
        };
        let old = RefreshToken::from_row(&old_row)?;
        if let Some(next) = old_row.column::<Option<String>>("next_token_hash")? {
            delete_refresh_tokens_where(&mut tx, "token_hash = $1", &next).await?;
        }
        retire_predecessors(&mut tx, old.token_hash.as_str()).await?;
        insert_refresh_token(
            &mut tx,
            refresh.refresh_token_hash,
            &old.user_id,
            &old.device_id,
            refresh.created_ts,
        )
        .await?;
        insert_access_token(
            &mut tx,
            &NewAccessToken {
                token_hash: refresh.access_token_hash,
                user_id: &old.user_id,
                device_id: Some(&old.device_id),
                created_ts: refresh.created_ts,
                expires_ts: refresh.access_token_expires_ts,
                refresh_token_hash: Some(refresh.refresh_token_hash),
                retire_previous: true,
            },
        )
        .await?;
        tx.query("UPDATE refresh_tokens SET next_token_hash = $1 WHERE token_hash = $2")
            .bind(refresh.refresh_token_hash.as_str())
            .bind(old.token_hash.as_str())
            .execute()
            .await?;
        tx.commit().await?;
        Ok(Some(old))
    }

    /// The first use of an access token issued by `/refresh`: retires the refresh token that
    /// `refresh_token_hash` replaced, with its access tokens, and clears the token's flag.
    pub async fn retire_previous_refresh_token(
        &self,
        access_token_hash: &TokenHash,
        refresh_token_hash: &TokenHash,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        retire_predecessors(&mut tx, refresh_token_hash.as_str()).await?;
        tx.query("UPDATE access_tokens SET retire_previous = $1 WHERE token_hash = $2")
            .bind(false)
            .bind(access_token_hash.as_str())
            .execute()
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes devices of a user with their access and refresh tokens; a device that does not
    /// exist is skipped.
    pub async fn delete_devices(
        &self,
        user_id: &str,
        device_ids: &[String],
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        for device_id in device_ids {
            delete_device_rows(&mut tx, user_id, device_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Logs a user out everywhere except `keep_device` and `keep_token` (both `None`:
    /// `/logout/all`): deletes the other access tokens, and the other devices with their
    /// refresh tokens.
    pub async fn delete_other_sessions(
        &self,
        user_id: &str,
        keep_device: Option<&str>,
        keep_token: Option<&TokenHash>,
    ) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        tx.query(
            "DELETE FROM access_tokens WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)",
        )
        .bind(user_id)
        .bind(keep_token.map(TokenHash::as_str))
        .execute()
        .await?;
        for table in ["refresh_tokens", "device_inbox", "devices"] {
            tx.query(&format!(
                "DELETE FROM {table} WHERE user_id = $1 AND ($2 IS NULL OR device_id <> $2)"
            ))
            .bind(user_id)
            .bind(keep_device)
            .execute()
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The refresh token with this hash, if it is stored.
    pub async fn find_refresh_token(
        &self,
        token_hash: &TokenHash,
    ) -> Result<Option<RefreshToken>, StorageError> {
        let row = self
            .read_query(
                "SELECT token_hash, user_id, device_id FROM refresh_tokens WHERE token_hash = $1",
            )
            .bind(token_hash.as_str())
            .fetch_optional()
            .await?;
        row.as_ref().map(RefreshToken::from_row).transpose()
    }
}

/// Deletes one device of a user with its access and refresh tokens; `false` if it did not exist.
pub(crate) async fn delete_device_rows(
    conn: &mut Tx<'_>,
    user_id: &str,
    device_id: &str,
) -> Result<bool, StorageError> {
    for table in ["access_tokens", "refresh_tokens", "device_inbox"] {
        conn.query(&format!(
            "DELETE FROM {table} WHERE user_id = $1 AND device_id = $2"
        ))
        .bind(user_id)
        .bind(device_id)
        .execute()
        .await?;
    }
    let result = conn
        .query("DELETE FROM devices WHERE user_id = $1 AND device_id = $2")
        .bind(user_id)
        .bind(device_id)
        .execute()
        .await?;
    Ok(result > 0)
}

async fn insert_refresh_token(
    conn: &mut Tx<'_>,
    token_hash: &TokenHash,
    user_id: &str,
    device_id: &str,
    created_ts: i64,
) -> Result<(), StorageError> {
    conn.query(
        "INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_ts) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash.as_str())
    .bind(user_id)
    .bind(device_id)
    .bind(created_ts)
    .execute()
    .await?;
    Ok(())
}

/// Deletes the refresh tokens that `successor` replaced, with their access tokens.
async fn retire_predecessors(conn: &mut Tx<'_>, successor: &str) -> Result<(), StorageError> {
    delete_refresh_tokens_where(conn, "next_token_hash = $1", successor).await
}

/// Deletes the refresh tokens matching `condition` (one `$1` parameter) and the access tokens
/// issued with them.
async fn delete_refresh_tokens_where(
    conn: &mut Tx<'_>,
    condition: &str,
    value: &str,
) -> Result<(), StorageError> {
    conn.query(&format!(
        "DELETE FROM access_tokens WHERE refresh_token_hash IN \
         (SELECT token_hash FROM refresh_tokens WHERE {condition})"
    ))
    .bind(value)
    .execute()
    .await?;
    conn.query(&format!("DELETE FROM refresh_tokens WHERE {condition}"))
        .bind(value)
        .execute()
        .await?;
    Ok(())
}
