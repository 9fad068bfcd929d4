//! The profile, room directory and room upgrade ports, answered by the room engine
//! (`services::rooms`).

use client_api::profile::{ProfileField, UserProfile};
use client_api::room_directory::{
    AliasResolution, DirectoryVisibility, PublicRoomsRequest, PublicRoomsResponse,
};
use client_api::room_upgrades::upgrade_room;
use client_api::{ClientUser, MatrixError, ProfilePort, RoomDirectoryPort, RoomUpgradePort};
use serde_json::Value;

use crate::app::AppState;

impl ProfilePort for AppState {
    async fn user_profile(&self, user_id: &str) -> Result<UserProfile, MatrixError> {
        self.rooms.user_profile(user_id).await
    }

    async fn set_profile_field(
        &self,
        user: &ClientUser,
        user_id: &str,
        field: ProfileField,
        value: Option<Value>,
    ) -> Result<(), MatrixError> {
        self.rooms
            .set_profile_field(user, user_id, field, value)
            .await
    }
}

impl RoomDirectoryPort for AppState {
    async fn set_room_alias(
        &self,
        user: &ClientUser,
        alias: &str,
        room_id: &str,
    ) -> Result<(), MatrixError> {
        self.rooms.set_room_alias(user, alias, room_id).await
    }

    async fn room_alias(&self, alias: &str) -> Result<AliasResolution, MatrixError> {
        let (room_id, servers) = self.rooms.room_alias(alias).await?;
        Ok(AliasResolution { room_id, servers })
    }

    async fn delete_room_alias(&self, user: &ClientUser, alias: &str) -> Result<(), MatrixError> {
        self.rooms.delete_room_alias(user, alias).await
    }

    async fn local_aliases(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> Result<Vec<String>, MatrixError> {
        self.rooms.local_aliases(user, room_id).await
    }

    async fn room_visibility(&self, room_id: &str) -> Result<DirectoryVisibility, MatrixError> {
        self.rooms.room_visibility(room_id).await
    }

    async fn set_room_visibility(
        &self,
        user: &ClientUser,
        room_id: &str,
        visibility: DirectoryVisibility,
    ) -> Result<(), MatrixError> {
        self.rooms
            .set_room_visibility(user, room_id, visibility)
            .await
    }

    async fn public_rooms(
        &self,
        request: PublicRoomsRequest,
    ) -> Result<PublicRoomsResponse, MatrixError> {
        self.rooms.public_rooms(request).await
    }
}

impl RoomUpgradePort for AppState {
    async fn upgrade_room(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: upgrade_room::Request,
    ) -> Result<String, MatrixError> {
        self.rooms.upgrade_room(user, room_id, request).await
    }
}
