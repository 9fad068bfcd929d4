//! The sync, filtering, account data and room tagging ports, answered by `services::sync` and
//! `services::account_data`.

use client_api::sync::{Request, Response};
use client_api::{
    ClientConfigPort, ClientUser, FilteringPort, MatrixError, RoomTaggingPort, SyncPort,
};
use serde_json::{Map, Value};

use crate::app::AppState;

impl SyncPort for AppState {
    async fn sync(&self, user: &ClientUser, request: Request) -> Result<Response, MatrixError> {
        self.sync.sync(user, request).await
    }
}

impl FilteringPort for AppState {
    async fn define_filter(
        &self,
        user: &ClientUser,
        user_id: &str,
        filter: Map<String, Value>,
    ) -> Result<String, MatrixError> {
        self.account_data.define_filter(user, user_id, filter).await
    }

    async fn get_filter(
        &self,
        user: &ClientUser,
        user_id: &str,
        filter_id: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        self.account_data.get_filter(user, user_id, filter_id).await
    }
}

impl ClientConfigPort for AppState {
    async fn set_account_data(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
        content: Map<String, Value>,
    ) -> Result<(), MatrixError> {
        self.account_data
            .set(user, user_id, room_id, data_type, content)
            .await
    }

    async fn get_account_data(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: Option<&str>,
        data_type: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        self.account_data
            .get(user, user_id, room_id, data_type)
            .await
    }
}

impl RoomTaggingPort for AppState {
    async fn room_tags(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: &str,
    ) -> Result<Map<String, Value>, MatrixError> {
        self.account_data.tags(user, user_id, room_id).await
    }

    async fn set_room_tag(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: &str,
        tag: &str,
        content: Map<String, Value>,
    ) -> Result<(), MatrixError> {
        self.account_data
            .change_tag(user, user_id, room_id, tag, Some(content))
            .await
    }

    async fn delete_room_tag(
        &self,
        user: &ClientUser,
        user_id: &str,
        room_id: &str,
        tag: &str,
    ) -> Result<(), MatrixError> {
        self.account_data
            .change_tag(user, user_id, room_id, tag, None)
            .await
    }
}
