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
        match remote_server(user_id, &self.config.server_name) {
            Some(server) => {
                crate::federation::queries::remote_profile(&self.federation_client, server, user_id)
                    .await
                    .map(|(displayname, avatar_url)| UserProfile {
                        displayname,
                        avatar_url,
                    })
            }
            None => self.rooms.user_profile(user_id).await,
        }
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
        let (room_id, servers) = match remote_server(alias, &self.config.server_name) {
            Some(server) => {
                crate::federation::queries::remote_alias(&self.federation_client, server, alias)
                    .await?
            }
            None => self.rooms.room_alias(alias).await?,
        };
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

/// The server of a user id or alias, when it is not `own` (and the id is well formed).
fn remote_server<'a>(id: &'a str, own: &str) -> Option<&'a str> {
    state_res::ids::server_name_of(id).filter(|server| *server != own)
}
