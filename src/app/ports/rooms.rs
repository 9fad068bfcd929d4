//! The room ports: creation, membership and participation, all answered by the room engine
//! (`services::rooms`).

use std::collections::BTreeMap;

use client_api::room_creation::create_room;
use client_api::room_membership::{MembershipAction, TargetRequest};
use client_api::room_participation::{
    get_event_context, get_members_by_room, get_room_events, RoomMember,
};
use client_api::{
    ClientEvent, ClientUser, MatrixError, RoomCreationPort, RoomMembershipPort,
    RoomParticipationPort,
};
use serde_json::{Map, Value};

use super::backfill::BACKFILL_MINIMUM;
use crate::app::AppState;

impl RoomCreationPort for AppState {
    async fn create_room(
        &self,
        user: &ClientUser,
        request: create_room::Request,
    ) -> Result<String, MatrixError> {
        self.rooms.create_room(user, request).await
    }
}

impl RoomMembershipPort for AppState {
    async fn join_room(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
        via: &[String],
    ) -> Result<String, MatrixError> {
        self.join_any(user, room_id_or_alias, reason, via).await
    }

    async fn knock_room(
        &self,
        user: &ClientUser,
        room_id_or_alias: &str,
        reason: Option<String>,
    ) -> Result<String, MatrixError> {
        self.knock_any(user, room_id_or_alias, reason).await
    }

    async fn leave_room(
        &self,
        user: &ClientUser,
        room_id: &str,
        reason: Option<String>,
    ) -> Result<(), MatrixError> {
        self.leave_any(user, room_id, reason).await
    }

    async fn change_membership(
        &self,
        user: &ClientUser,
        room_id: &str,
        action: MembershipAction,
        request: TargetRequest,
    ) -> Result<(), MatrixError> {
        let remote_target = state_res::ids::server_name_of(&request.user_id)
            .is_some_and(|server| server != self.config.server_name);
        if action == MembershipAction::Invite && remote_target {
            return self
                .rooms
                .invite_remote(
                    &user.user_id,
                    room_id,
                    &request.user_id,
                    request.reason,
                    &self.remote(),
                )
                .await;
        }
        self.rooms
            .change_membership(user, room_id, action, request)
            .await
    }

    async fn joined_rooms(&self, user: &ClientUser) -> Result<Vec<String>, MatrixError> {
        self.rooms.joined_rooms(user).await
    }

    async fn forget_room(&self, user: &ClientUser, room_id: &str) -> Result<(), MatrixError> {
        self.rooms.forget_room(user, room_id).await
    }
}

impl RoomParticipationPort for AppState {
    async fn send_message(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        txn_id: &str,
        content: Map<String, Value>,
    ) -> Result<String, MatrixError> {
        self.message_limiter.acquire(&user.user_id)?;
        self.rooms
            .send_message(user, room_id, event_type, txn_id, content)
            .await
    }

    async fn set_room_state(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        state_key: &str,
        content: Map<String, Value>,
    ) -> Result<String, MatrixError> {
        self.message_limiter.acquire(&user.user_id)?;
        self.rooms
            .set_state(user, room_id, event_type, state_key, content)
            .await
    }

    async fn room_state(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> Result<Vec<ClientEvent>, MatrixError> {
        self.rooms.room_state(user, room_id).await
    }

    async fn room_state_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        state_key: &str,
    ) -> Result<ClientEvent, MatrixError> {
        self.rooms
            .room_state_event(user, room_id, event_type, state_key)
            .await
    }

    async fn room_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
    ) -> Result<ClientEvent, MatrixError> {
        self.rooms.room_event(user, room_id, event_id).await
    }

    async fn joined_members(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> Result<BTreeMap<String, RoomMember>, MatrixError> {
        self.rooms.joined_members(user, room_id).await
    }

    async fn redact_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
        txn_id: &str,
        reason: Option<String>,
    ) -> Result<String, MatrixError> {
        self.rooms
            .redact_event(user, room_id, event_id, txn_id, reason)
            .await
    }

    async fn room_messages(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: get_room_events::Request,
    ) -> Result<get_room_events::Response, MatrixError> {
        let backwards = request.dir == get_room_events::Dir::Backward;
        let limit = request.limit.unwrap_or(10);
        let answer = self
            .rooms
            .room_messages(user, room_id, request.clone())
            .await?;
        if !backwards || answer.end.is_some() {
            return Ok(answer);
        }
        // The local history ran out: fetch older events from the room's other servers.
        if self.backfill(room_id, limit.max(BACKFILL_MINIMUM)).await? == 0 {
            return Ok(answer);
        }
        self.rooms.room_messages(user, room_id, request).await
    }

    async fn event_context(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
        request: get_event_context::Request,
    ) -> Result<get_event_context::Response, MatrixError> {
        self.rooms
            .event_context(user, room_id, event_id, request)
            .await
    }

    async fn room_members(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: get_members_by_room::Request,
    ) -> Result<Vec<ClientEvent>, MatrixError> {
        self.rooms.room_members(user, room_id, request).await
    }
}
