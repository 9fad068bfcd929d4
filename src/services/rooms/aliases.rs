//! Room aliases (`/directory/room/{roomAlias}`, `/rooms/{roomId}/aliases`), resolving
//! `{roomIdOrAlias}`, and the checks Synapse makes on `m.room.canonical_alias` events. Only
//! local aliases exist until federation does: other servers' aliases resolve to 404.

use axum::http::StatusCode;
use client_api::{ClientUser, MatrixError};
use serde_json::Value;
use state_res::auth::PowerLevels;
use state_res::canonical_json::Object;
use state_res::ids::{check_room_alias, server_name_of};
use tracing::instrument;

use super::builder::EventTemplate;
use super::head::RoomHead;
use super::{valid_room_id, Rooms};
use crate::services::{internal, now_ms};
use crate::storage::StorageError;

pub(super) const CANONICAL_ALIAS: &str = "m.room.canonical_alias";

fn alias_not_found(alias: &str) -> MatrixError {
    MatrixError::not_found(format!("Room alias {alias} not found"))
}

fn invalid_alias(error: impl std::fmt::Display) -> MatrixError {
    MatrixError::invalid_param(format!("Invalid room alias: {error}"))
}

impl Rooms {
    /// The room a `{roomIdOrAlias}` names: a room id as is (checked), an alias through the
    /// alias table (404 when unknown or on another server).
    pub(super) async fn resolve_room(&self, room_id_or_alias: &str) -> Result<String, MatrixError> {
        if !room_id_or_alias.starts_with('#') {
            valid_room_id(room_id_or_alias)?;
            return Ok(room_id_or_alias.to_owned());
        }
        check_room_alias(room_id_or_alias).map_err(invalid_alias)?;
        let alias = self
            .database
            .get_room_alias(room_id_or_alias)
            .await
            .map_err(internal)?;
        alias
            .map(|alias| alias.room_id)
            .ok_or_else(|| alias_not_found(room_id_or_alias))
    }

    /// `PUT /directory/room/{roomAlias}`: as Synapse, the alias must be valid and on this
    /// server (400 `M_INVALID_PARAM`), the room known (400) and the caller joined to it (403,
    /// `require_membership_for_aliases`); a taken alias is 409.
    #[instrument(skip_all, fields(user = %user.user_id, alias))]
    pub async fn set_room_alias(
        &self,
        user: &ClientUser,
        alias: &str,
        room_id: &str,
    ) -> Result<(), MatrixError> {
        self.check_local_alias(alias)?;
        valid_room_id(room_id)?;
        if self
            .database
            .get_room(room_id)
            .await
            .map_err(internal)?
            .is_none()
        {
            return Err(MatrixError::bad_request("M_UNKNOWN", "Room does not exist"));
        }
        if !self.is_joined(room_id, &user.user_id).await? {
            return Err(MatrixError::forbidden(
                "You must be in the room to create an alias for it",
            ));
        }
        if self.create_alias(alias, room_id, &user.user_id).await? {
            Ok(())
        } else {
            Err(MatrixError::new(
                StatusCode::CONFLICT,
                "M_UNKNOWN",
                format!("Room alias {alias} already exists"),
            ))
        }
    }

    /// Stores a new alias; `false` if it is taken.
    pub(super) async fn create_alias(
        &self,
        alias: &str,
        room_id: &str,
        creator: &str,
    ) -> Result<bool, MatrixError> {
        match self
            .database
            .create_room_alias(alias, room_id, creator, now_ms())
            .await
        {
            Ok(()) => Ok(true),
            Err(StorageError::Conflict(_)) => Ok(false),
            Err(error) => Err(internal(error)),
        }
    }

    /// `GET /directory/room/{roomAlias}`: the room and the servers in it (this one).
    pub async fn room_alias(&self, alias: &str) -> Result<(String, Vec<String>), MatrixError> {
        check_room_alias(alias).map_err(invalid_alias)?;
        let room_id = self.resolve_room(alias).await?;
        Ok((room_id, vec![self.server_name.clone()]))
    }

    /// `DELETE /directory/room/{roomAlias}`: by the alias's creator, a server admin, or a
    /// member who may send `m.room.canonical_alias` (Synapse's `_user_can_delete_alias`). A
    /// canonical alias event naming the alias is then updated without it (best effort).
    #[instrument(skip_all, fields(user = %user.user_id, alias))]
    pub async fn delete_room_alias(
        &self,
        user: &ClientUser,
        alias: &str,
    ) -> Result<(), MatrixError> {
        self.check_local_alias(alias)?;
        let stored = self
            .database
            .get_room_alias(alias)
            .await
            .map_err(internal)?
            .ok_or_else(|| alias_not_found(alias))?;
        if stored.creator != user.user_id
            && !self.can_change_room_list(user, &stored.room_id).await?
        {
            return Err(MatrixError::forbidden(
                "You don't have permission to delete the alias.",
            ));
        }
        if !self
            .database
            .delete_room_alias(alias)
            .await
            .map_err(internal)?
        {
            return Err(alias_not_found(alias));
        }
        if let Err(error) = self
            .drop_from_canonical_alias(&user.user_id, &stored.room_id, alias)
            .await
        {
            tracing::warn!(error = ?error, "could not update the canonical alias");
        }
        Ok(())
    }

    /// `GET /rooms/{roomId}/aliases`: for members and, in `world_readable` rooms, anyone.
    pub async fn local_aliases(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> Result<Vec<String>, MatrixError> {
        valid_room_id(room_id)?;
        if !self.is_joined(room_id, &user.user_id).await? && !self.world_readable(room_id).await? {
            return Err(MatrixError::forbidden(
                "You are not in the room and it is not world readable",
            ));
        }
        self.database.room_aliases(room_id).await.map_err(internal)
    }

    /// Synapse's `check_can_change_room_list`: a server admin, or a joined member whose power
    /// reaches the level to send `m.room.canonical_alias`.
    pub(super) async fn can_change_room_list(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> Result<bool, MatrixError> {
        let admin = self
            .database
            .get_user(&user.user_id)
            .await
            .map_err(internal)?
            .is_some_and(|u| u.is_admin);
        if admin {
            return Ok(true);
        }
        if !self.is_joined(room_id, &user.user_id).await? {
            return Ok(false);
        }
        let mut head = self.room_head(room_id).await?;
        may_send_state(self, &mut head, &user.user_id, CANONICAL_ALIAS).await
    }

    /// As Synapse's `_validate_canonical_alias`: every alias in `alias` and `alt_aliases` that
    /// `previous` (the current canonical alias content) does not already name must be an alias
    /// (400 `M_INVALID_PARAM`) that exists and points to the room (400 `M_BAD_ALIAS`); other
    /// servers' aliases cannot be checked without federation, so they are refused too.
    pub(super) async fn check_canonical_alias(
        &self,
        room_id: Option<&str>,
        previous: Option<&Object>,
        content: &Object,
    ) -> Result<(), MatrixError> {
        let new = aliases_of(content)?;
        let old = previous
            .map(aliases_of)
            .transpose()
            .ok()
            .flatten()
            .unwrap_or_default();
        for alias in new.into_iter().filter(|alias| !old.contains(alias)) {
            check_room_alias(alias).map_err(invalid_alias)?;
            let stored = self
                .database
                .get_room_alias(alias)
                .await
                .map_err(internal)?;
            if stored.is_none_or(|stored| Some(stored.room_id.as_str()) != room_id) {
                return Err(MatrixError::bad_request(
                    "M_BAD_ALIAS",
                    format!("Room alias {alias} does not point to the room"),
                ));
            }
        }
        Ok(())
    }

    /// 400 `M_INVALID_PARAM` unless `alias` is an alias of this server without whitespace
    /// (Synapse's `create_association` refuses whitespace the grammar allows).
    pub(super) fn check_local_alias(&self, alias: &str) -> Result<(), MatrixError> {
        check_room_alias(alias).map_err(invalid_alias)?;
        if alias.chars().any(char::is_whitespace) {
            return Err(MatrixError::invalid_param(
                "Invalid characters in room alias",
            ));
        }
        if server_name_of(alias) != Some(self.server_name.as_str()) {
            return Err(MatrixError::invalid_param("Room alias must be local"));
        }
        Ok(())
    }

    pub(super) async fn is_joined(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> Result<bool, MatrixError> {
        self.database
            .is_joined(room_id, user_id)
            .await
            .map_err(internal)
    }

    /// Removes `alias` from the room's canonical alias event, if it names it.
    async fn drop_from_canonical_alias(
        &self,
        sender: &str,
        room_id: &str,
        alias: &str,
    ) -> Result<(), MatrixError> {
        let _lock = self.locks.lock(room_id).await;
        let mut head = self.room_head(room_id).await?;
        let key = (CANONICAL_ALIAS.to_owned(), String::new());
        head.load_events(&self.database, std::slice::from_ref(&key))
            .await?;
        let Some(current) = head.get(CANONICAL_ALIAS, "") else {
            return Ok(());
        };
        let mut content = current.content().clone();
        let mut changed = false;
        if content.get("alias").and_then(Value::as_str) == Some(alias) {
            content.remove("alias");
            changed = true;
        }
        if let Some(Value::Array(alt)) = content.get_mut("alt_aliases") {
            let before = alt.len();
            alt.retain(|a| a.as_str() != Some(alias));
            changed |= alt.len() != before;
        }
        if !changed {
            return Ok(());
        }
        let template = EventTemplate::state(CANONICAL_ALIAS, "", content);
        self.append(&mut head, sender, template, None).await?;
        Ok(())
    }
}

/// Whether `user_id`'s power reaches the level to send the state event `event_type`.
pub(super) async fn may_send_state(
    rooms: &Rooms,
    head: &mut RoomHead,
    user_id: &str,
    event_type: &str,
) -> Result<bool, MatrixError> {
    let keys = [
        ("m.room.create".to_owned(), String::new()),
        ("m.room.power_levels".to_owned(), String::new()),
    ];
    head.load_events(&rooms.database, &keys).await?;
    let levels = PowerLevels::from_state(
        &head.version,
        head.get("m.room.create", ""),
        head.get("m.room.power_levels", ""),
    );
    Ok(levels.user_level(user_id) >= levels.event_level(event_type, true))
}

/// The aliases a canonical alias content names (`alias`, then `alt_aliases`); 400 for
/// mistyped fields.
fn aliases_of(content: &Object) -> Result<Vec<&str>, MatrixError> {
    let mut aliases = Vec::new();
    match content.get("alias") {
        None | Some(Value::Null) => {}
        Some(Value::String(alias)) => aliases.push(alias.as_str()),
        Some(_) => return Err(MatrixError::invalid_param("alias must be a string")),
    }
    match content.get("alt_aliases") {
        None => {}
        Some(Value::Array(alt)) => {
            for alias in alt {
                let alias = alias.as_str().ok_or_else(|| {
                    MatrixError::invalid_param("alt_aliases must be a list of strings")
                })?;
                aliases.push(alias);
            }
        }
        Some(_) => return Err(MatrixError::invalid_param("alt_aliases must be a list")),
    }
    Ok(aliases)
}
