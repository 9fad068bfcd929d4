//! The `profiles` table: local users' display names and avatar URLs.

use super::read::Columns;

use super::users::found;
use super::{Database, StorageError};

/// A user's profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// The display name, if set.
    pub displayname: Option<String>,
    /// The avatar's `mxc://` URL, if set.
    pub avatar_url: Option<String>,
}

impl Database {
    /// The profile of a local user; `None` if the user has no profile row (users created before
    /// profiles existed read as an empty profile through [`Self::get_user`]).
    pub async fn get_profile(&self, user_id: &str) -> Result<Option<Profile>, StorageError> {
        let row = self
            .read_query("SELECT displayname, avatar_url FROM profiles WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional()
            .await?;
        row.map(|row| {
            Ok(Profile {
                displayname: row.column("displayname")?,
                avatar_url: row.column("avatar_url")?,
            })
        })
        .transpose()
    }

    /// Sets (or with `None` removes) the display name of an existing user.
    pub async fn set_displayname(
        &self,
        user_id: &str,
        displayname: Option<&str>,
    ) -> Result<(), StorageError> {
        self.set_profile_field(user_id, "displayname", displayname)
            .await
    }

    /// Sets (or with `None` removes) the avatar URL of an existing user.
    pub async fn set_avatar_url(
        &self,
        user_id: &str,
        avatar_url: Option<&str>,
    ) -> Result<(), StorageError> {
        self.set_profile_field(user_id, "avatar_url", avatar_url)
            .await
    }

    /// Upserts one column; [`StorageError::NotFound`] if the user does not exist.
    async fn set_profile_field(
        &self,
        user_id: &str,
        column: &'static str,
        value: Option<&str>,
    ) -> Result<(), StorageError> {
        // `column` is one of two constants, never client input.
        let result = self
            .write_query(&format!(
                "INSERT INTO profiles (user_id, {column}) \
             SELECT user_id, $2 FROM users WHERE user_id = $1 \
             ON CONFLICT (user_id) DO UPDATE SET {column} = excluded.{column}"
            ))
            .bind(user_id)
            .bind(value)
            .execute()
            .await?;
        found(result, user_id)
    }
}
