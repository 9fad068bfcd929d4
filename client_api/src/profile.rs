//! Spec module "Profiles": a user's display name and avatar URL, read by anyone, set by the
//! user. The generic `/profile/{userId}/{keyName}` routes serve the two fields this server
//! stores, `displayname` and `avatar_url`.

pub mod delete_profile_field;
pub mod get_profile_field;
pub mod get_user_profile;
pub mod set_profile_field;

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::ClientUser;
use crate::MatrixError;

/// A profile field this server stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileField {
    /// `displayname`.
    DisplayName,
    /// `avatar_url`.
    AvatarUrl,
}

impl ProfileField {
    /// The field for a `keyName`, if this server stores it.
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "displayname" => Some(Self::DisplayName),
            "avatar_url" => Some(Self::AvatarUrl),
            _ => None,
        }
    }

    /// The JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Self::DisplayName => "displayname",
            Self::AvatarUrl => "avatar_url",
        }
    }
}

/// A user's profile as clients see it; absent fields are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub displayname: Option<String>,
    /// The avatar's `mxc://` URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

impl UserProfile {
    /// The value of `field`.
    pub fn get(&self, field: ProfileField) -> Option<&str> {
        match field {
            ProfileField::DisplayName => self.displayname.as_deref(),
            ProfileField::AvatarUrl => self.avatar_url.as_deref(),
        }
    }
}

/// The field named by a path's `keyName`: 404 for fields this server does not store (for a
/// read), 403 for a change (the `m.profile_fields` capability allows only these two).
fn field_for_read(key: &str) -> Result<ProfileField, MatrixError> {
    ProfileField::from_key(key)
        .ok_or_else(|| MatrixError::not_found(format!("The profile has no field {key:?}")))
}

fn field_for_write(key: &str) -> Result<ProfileField, MatrixError> {
    ProfileField::from_key(key).ok_or_else(|| {
        MatrixError::forbidden(format!(
            "This server only stores displayname and avatar_url, not {key:?}"
        ))
    })
}

/// What the profile handlers need from the engine.
pub trait ProfilePort: Send + Sync + 'static {
    /// A user's profile: 404 `M_NOT_FOUND` for an unknown user.
    fn user_profile(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<UserProfile, MatrixError>> + Send;

    /// The caller sets (`Some`) or removes (`None`) a field of `user_id`'s profile: 403 for
    /// another user's profile, 400 for an invalid value. The change reaches every room the
    /// user is joined to.
    fn set_profile_field(
        &self,
        user: &ClientUser,
        user_id: &str,
        field: ProfileField,
        value: Option<Value>,
    ) -> impl Future<Output = Result<(), MatrixError>> + Send;
}
