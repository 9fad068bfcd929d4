//! The `users` table: local accounts.

use super::read::Columns;
use state_res::ids::localpart_of;

use super::{Database, StorageError};

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    /// The full Matrix user id, `@localpart:server`.
    pub user_id: &'a str,
    /// The password hash (PHC string); `None` for accounts that cannot log in with a password.
    pub password_hash: Option<&'a str>,
    /// Whether the user is a server admin.
    pub is_admin: bool,
    /// Creation time, milliseconds since the Unix epoch.
    pub creation_ts: i64,
}

/// A stored user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The full Matrix user id.
    pub user_id: String,
    /// The password hash, if the account has a password.
    pub password_hash: Option<String>,
    /// Whether the user is a server admin.
    pub is_admin: bool,
    /// Creation time, milliseconds since the Unix epoch.
    pub creation_ts: i64,
    /// Whether the account has been deactivated.
    pub deactivated: bool,
}

impl User {
    fn from_row(row: &impl Columns) -> Result<Self, StorageError> {
        Ok(User {
            user_id: row.column("user_id")?,
            password_hash: row.column("password_hash")?,
            is_admin: row.column::<bool>("is_admin")?,
            creation_ts: row.column("creation_ts")?,
            deactivated: row.column::<bool>("deactivated")?,
        })
    }
}

impl Database {
    /// Creates a user and their profile, whose display name is the localpart (as Synapse).
    /// [`StorageError::Conflict`] if the user id is taken.
    pub async fn create_user(&self, user: &NewUser<'_>) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        tx.query(
            "INSERT INTO users (user_id, password_hash, is_admin, creation_ts, deactivated) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user.user_id)
        .bind(user.password_hash)
        .bind(user.is_admin)
        .bind(user.creation_ts)
        .bind(false)
        .execute()
        .await?;
        tx.query("INSERT INTO profiles (user_id, displayname) VALUES ($1, $2)")
            .bind(user.user_id)
            .bind(localpart_of(user.user_id))
            .execute()
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user with this id, if any.
    pub async fn get_user(&self, user_id: &str) -> Result<Option<User>, StorageError> {
        let row = self
            .read_query(
                "SELECT user_id, password_hash, is_admin, creation_ts, deactivated \
             FROM users WHERE user_id = $1",
            )
            .bind(user_id)
            .fetch_optional()
            .await?;
        row.as_ref().map(User::from_row).transpose()
    }

    /// Replaces the password hash (`None` removes password login).
    pub async fn set_password_hash(
        &self,
        user_id: &str,
        password_hash: Option<&str>,
    ) -> Result<(), StorageError> {
        let result = self
            .write_query("UPDATE users SET password_hash = $1 WHERE user_id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute()
            .await?;
        found(result, user_id)
    }

    /// Grants or revokes server admin.
    pub async fn set_admin(&self, user_id: &str, is_admin: bool) -> Result<(), StorageError> {
        let result = self
            .write_query("UPDATE users SET is_admin = $1 WHERE user_id = $2")
            .bind(is_admin)
            .bind(user_id)
            .execute()
            .await?;
        found(result, user_id)
    }

    /// Deactivates a user in one transaction: marks the account deactivated, removes its
    /// password hash, and deletes all its access tokens, refresh tokens and devices. The user id stays taken.
    pub async fn deactivate_user(&self, user_id: &str) -> Result<(), StorageError> {
        let mut tx = self.begin_write().await?;
        let result = tx
            .query("UPDATE users SET deactivated = $1, password_hash = NULL WHERE user_id = $2")
            .bind(true)
            .bind(user_id)
            .execute()
            .await?;
        found(result, user_id)?;
        for table in ["access_tokens", "refresh_tokens", "devices"] {
            tx.query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(user_id)
                .execute()
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// `Ok` if an update touched a row, [`StorageError::NotFound`] naming `what` otherwise.
pub(crate) fn found(rows_affected: u64, what: &str) -> Result<(), StorageError> {
    if rows_affected == 0 {
        Err(StorageError::NotFound(what.to_owned()))
    } else {
        Ok(())
    }
}
