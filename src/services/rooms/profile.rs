//! Profiles (`GET/PUT/DELETE /profile/{userId}[/{keyName}]`) and the profile data member
//! events carry. They live in the room engine because a profile change is a room change: as in
//! Synapse, a new display name or avatar is announced with a fresh `m.room.member` join event
//! in every room the user is joined to.

use client_api::profile::{ProfileField, UserProfile};
use client_api::{ClientUser, MatrixError};
use serde_json::{json, Value};
use state_res::canonical_json::Object;
use state_res::ids::{check_user_id, server_name_of};
use tracing::instrument;

use super::membership::{member_event, membership_of};
use super::Rooms;
use crate::services::internal;

/// The longest display name (Synapse's `MAX_DISPLAYNAME_LEN`).
const MAX_DISPLAYNAME_LEN: usize = 256;
/// The longest avatar URL (Synapse's `MAX_AVATAR_URL_LEN`).
const MAX_AVATAR_URL_LEN: usize = 1000;

fn profile_not_found() -> MatrixError {
    MatrixError::not_found("Profile was not found")
}

impl Rooms {
    /// `GET /profile/{userId}`: 404 for users this server does not host (profiles of other
    /// servers need federation) or does not know.
    pub async fn user_profile(&self, user_id: &str) -> Result<UserProfile, MatrixError> {
        check_user_id(user_id)
            .map_err(|e| MatrixError::invalid_param(format!("Invalid user id: {e}")))?;
        if server_name_of(user_id) != Some(self.server_name.as_str()) {
            return Err(profile_not_found());
        }
        if self
            .database
            .get_user(user_id)
            .await
            .map_err(internal)?
            .is_none()
        {
            return Err(profile_not_found());
        }
        let profile = self
            .database
            .get_profile(user_id)
            .await
            .map_err(internal)?
            .unwrap_or_default();
        Ok(UserProfile {
            displayname: profile.displayname,
            avatar_url: profile.avatar_url,
        })
    }

    /// `PUT`/`DELETE /profile/{userId}/{keyName}`, then the new join events. As Synapse: only
    /// strings, at most 256 (display name) or 1,000 (avatar URL) characters; `""` removes.
    #[instrument(skip_all, fields(user = %user.user_id, field = field.key()))]
    pub async fn set_profile_field(
        &self,
        user: &ClientUser,
        user_id: &str,
        field: ProfileField,
        value: Option<Value>,
    ) -> Result<(), MatrixError> {
        if user.user_id != user_id {
            return Err(MatrixError::forbidden(format!(
                "Cannot set another user's {}",
                field.key()
            )));
        }
        let value = match value {
            None => None,
            Some(Value::String(text)) => Some(text),
            Some(_) => {
                return Err(MatrixError::invalid_param(format!(
                    "'{}' must be a string",
                    field.key()
                )))
            }
        };
        let value = value.filter(|text| !text.is_empty());
        let length = value.as_deref().map_or(0, |text| text.chars().count());
        let stored = value.as_deref();
        match field {
            ProfileField::DisplayName => {
                if length > MAX_DISPLAYNAME_LEN {
                    return Err(too_long("Displayname", MAX_DISPLAYNAME_LEN));
                }
                self.database.set_displayname(user_id, stored).await
            }
            ProfileField::AvatarUrl => {
                if length > MAX_AVATAR_URL_LEN {
                    return Err(too_long("Avatar URL", MAX_AVATAR_URL_LEN));
                }
                self.database.set_avatar_url(user_id, stored).await
            }
        }
        .map_err(internal)?;
        self.announce_profile(user_id).await
    }

    /// The `displayname` and `avatar_url` a member event of `user_id` carries: the profile of
    /// a local user, nothing for others.
    pub async fn member_profile(&self, user_id: &str) -> Result<Object, MatrixError> {
        let mut fields = Object::new();
        if server_name_of(user_id) != Some(self.server_name.as_str()) {
            return Ok(fields);
        }
        let profile = self
            .database
            .get_profile(user_id)
            .await
            .map_err(internal)?
            .unwrap_or_default();
        if let Some(name) = profile.displayname {
            fields.insert("displayname".to_owned(), json!(name));
        }
        if let Some(url) = profile.avatar_url {
            fields.insert("avatar_url".to_owned(), json!(url));
        }
        Ok(fields)
    }

    /// A new join event with the current profile in every room `user_id` is joined to whose
    /// member event differs from it. A room that refuses it is logged and skipped (as Synapse),
    /// the others still get theirs.
    async fn announce_profile(&self, user_id: &str) -> Result<(), MatrixError> {
        let profile = self.member_profile(user_id).await?;
        let rooms = self
            .database
            .rooms_with_membership(user_id, "join")
            .await
            .map_err(internal)?;
        for room_id in rooms {
            let _lock = self.locks.lock(&room_id).await;
            let mut head = self.room_head(&room_id).await?;
            if membership_of(&mut head, self, user_id).await?.as_deref() != Some("join") {
                continue;
            }
            let mut template = member_event(user_id, "join", None);
            template.content.extend(profile.clone());
            // Nothing changed here (Synapse returns the current event in that case).
            let current = head.get("m.room.member", user_id).map(|e| e.content());
            if current == Some(&template.content) {
                continue;
            }
            if let Err(error) = self.append(&mut head, user_id, template, None).await {
                tracing::warn!(%room_id, error = ?error, "could not update the member event");
            }
        }
        Ok(())
    }
}

fn too_long(what: &str, max: usize) -> MatrixError {
    MatrixError::bad_request("M_UNKNOWN", format!("{what} is too long (max {max})"))
}
