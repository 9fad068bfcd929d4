//! Account data (client-server API § "Client config"), room tags (§ "Room tagging", stored as
//! the room's `m.tag` account data as Synapse does) and filters (§ "Filtering"). Every change
//! takes a new position of the `account_data` stream and wakes the user's `/sync`.

use std::sync::Arc;

use axum::http::StatusCode;
use client_api::filtering::Filter;
use client_api::{ClientUser, MatrixError};
use serde_json::{Map, Value};
use state_res::ids::check_room_id;
use tokio::sync::Mutex;
use tracing::instrument;

use super::internal;
use super::notifier::Notifier;
use crate::storage::Database;

const TAG: &str = "m.tag";

/// The account data service.
#[derive(Debug)]
pub struct AccountData {
    database: Database,
    notifier: Arc<Notifier>,
    /// Serialises the read-modify-write of `m.tag` (a tag change must not lose another).
    tags: Mutex<()>,
}

impl AccountData {
    /// An account data service waking `/sync` through `notifier`.
    pub fn new(database: Database, notifier: Arc<Notifier>) -> Self {
        Self {
            database,
            notifier,
            tags: Mutex::new(()),
        }
    }

    /// `PUT /user/{userId}[/rooms/{roomId}]/account_data/{type}`.
    #[instrument(skip_all, fields(user = %user.user_id, data_type))]
    pub async fn set(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
        content: Map<String, Value>,
    ) -> Result<(), MatrixError> {
        own(user, user_id, "Cannot add account data for other users.")?;
        room_id.map(valid_room).transpose()?;
        if matches!(data_type, "m.fully_read" | "m.push_rules") {
            // Synapse: these have their own endpoints (read markers, push rules).
            return Err(MatrixError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "M_BAD_JSON",
                format!("Cannot set {data_type} through this API."),
            ));
        }
        self.store(user_id, room_id, data_type, &Value::Object(content))
            .await
    }

    /// `GET /user/{userId}[/rooms/{roomId}]/account_data/{type}`.
    #[instrument(skip_all, fields(user = %user.user_id, data_type))]
    pub async fn get(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        own(user, user_id, "Cannot get account data for other users.")?;
        room_id.map(valid_room).transpose()?;
        self.load(user_id, room_id, data_type)
            .await?
            .ok_or_else(|| MatrixError::not_found("Account data not found"))
    }

    /// `GET /user/{userId}/rooms/{roomId}/tags`.
    pub async fn tags(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        own(user, user_id, "Cannot get tags for other users.")?;
        valid_room(room_id)?;
        self.current_tags(user_id, room_id).await
    }

    /// `PUT /user/{userId}/rooms/{roomId}/tags/{tag}` (`content` `None`: `DELETE`).
    #[instrument(skip_all, fields(user = %user.user_id, room_id, tag))]
    pub async fn change_tag(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: &str,
        tag: &str,
        content: Option<Map<String, Value>>,
    ) -> Result<(), MatrixError> {
        own(user, user_id, "Cannot change tags for other users.")?;
        valid_room(room_id)?;
        if tag.len() > 255 {
            return Err(MatrixError::invalid_param(
                "Tag names are at most 255 bytes",
            ));
        }
        let _guard = self.tags.lock().await;
        let mut tags = self.current_tags(user_id, room_id).await?;
        match content {
            Some(content) => {
                tags.insert(tag.to_owned(), Value::Object(content));
            }
            None => {
                tags.remove(tag);
            }
        }
        let mut data = Map::new();
        data.insert("tags".to_owned(), Value::Object(tags));
        self.store(user_id, Some(room_id), TAG, &Value::Object(data))
            .await
    }

    /// `POST /user/{userId}/filter`: the filter is validated, then stored as sent.
    pub async fn define_filter(
        &self,
        user: &ClientUser,
        user_id: &str,
        filter: Map<String, Value>,
    ) -> Result<String, MatrixError> {
        own(user, user_id, "Cannot create filters for other users")?;
        let filter = Value::Object(filter);
        Filter::from_value(filter.clone())?;
        let id = self
            .database
            .insert_filter(user_id, &filter.to_string())
            .await
            .map_err(internal)?;
        Ok(id.to_string())
    }

    /// `GET /user/{userId}/filter/{filterId}`.
    pub async fn get_filter(
        &self,
        user: &ClientUser,
        user_id: &str,
        filter_id: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        own(user, user_id, "Cannot get filters for other users")?;
        let json = self.stored_filter(user_id, filter_id).await?;
        json.ok_or_else(|| MatrixError::not_found("No such filter"))
    }

    /// A stored filter's JSON; a filter id that is not a number is 400 `M_INVALID_PARAM`.
    pub async fn stored_filter(
        &self,
        user_id: &str,
        filter_id: &str,
    ) -> Result<Option<Map<String, Value>>, MatrixError> {
        let id: i64 = filter_id
            .parse()
            .map_err(|_| MatrixError::invalid_param("Invalid filter_id"))?;
        let json = self
            .database
            .get_filter(user_id, id)
            .await
            .map_err(internal)?;
        json.map(|json| {
            serde_json::from_str(&json).map_err(|error| {
                tracing::error!(%error, "stored filter is not a JSON object");
                MatrixError::internal("Internal server error")
            })
        })
        .transpose()
    }

    async fn current_tags(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        let data = self.load(user_id, Some(room_id), TAG).await?;
        Ok(data
            .and_then(|mut data| data.remove("tags"))
            .and_then(|tags| match tags {
                Value::Object(tags) => Some(tags),
                _ => None,
            })
            .unwrap_or_default())
    }

    /// An entry's content, if set (no permission check: for the services that own a type).
    pub(crate) async fn load(
        &self,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
    ) -> Result<Option<Map<String, Value>>, MatrixError> {
        let json = self
            .database
            .get_account_data(user_id, room_id, data_type)
            .await
            .map_err(internal)?;
        Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Stores an entry, takes a new stream position and wakes the user (no checks: for the
    /// services that own a type, such as read markers' `m.fully_read`).
    pub(crate) async fn store(
        &self,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
        content: &Value,
    ) -> Result<(), MatrixError> {
        self.database
            .put_account_data(user_id, room_id, data_type, &content.to_string())
            .await
            .map_err(internal)?;
        self.notifier.notify_users(&[user_id]);
        Ok(())
    }
}

/// 403 unless the path's user is the caller.
fn own(user: &ClientUser, user_id: &str, message: &str) -> Result<(), MatrixError> {
    if user.user_id == user_id {
        Ok(())
    } else {
        Err(MatrixError::forbidden(message))
    }
}

fn valid_room(room_id: &str) -> Result<(), MatrixError> {
    check_room_id(room_id)
        .map_err(|_| MatrixError::invalid_param(format!("{room_id} is not a valid room ID")))
}
