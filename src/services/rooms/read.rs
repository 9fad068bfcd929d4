//! Reading a room: its state (current for members; as they left it for those who left; for
//! anyone in a `world_readable` room), one event (if history visibility lets the caller see
//! it), and its joined members. Events are served through `serve` (redactions applied).

use std::collections::BTreeMap;

use client_api::room_participation::RoomMember;
use client_api::{ClientEvent, ClientUser, MatrixError};
use serde_json::Value;
use state_res::ids::check_event_id;
use tracing::instrument;

use super::history::text;
use super::visibility::can_see_event;
use super::{valid_room_id, Rooms};
use crate::services::internal;
use crate::storage::{StateGroupId, StateMap, StoredEvent};

const HISTORY_VISIBILITY: &str = "m.room.history_visibility";
const MEMBER: &str = "m.room.member";

fn not_a_member() -> MatrixError {
    MatrixError::forbidden("You aren't a member of the room and weren't previously a member of it")
}

fn event_not_found() -> MatrixError {
    MatrixError::not_found("Event not found")
}

impl Rooms {
    /// `GET /rooms/{roomId}/state`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id))]
    pub async fn room_state(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> Result<Vec<ClientEvent>, MatrixError> {
        let state = self.readable_state(user, room_id).await?;
        let ids: Vec<&str> = state.values().map(String::as_str).collect();
        let events = self.database.events_by_ids(&ids).await.map_err(internal)?;
        self.serve(user, &events).await
    }

    /// `GET /rooms/{roomId}/state/{eventType}/{stateKey}`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, event_type))]
    pub async fn room_state_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        state_key: &str,
    ) -> Result<ClientEvent, MatrixError> {
        let state = self.readable_state(user, room_id).await?;
        let key = (event_type.to_owned(), state_key.to_owned());
        let Some(event_id) = state.get(&key) else {
            return Err(MatrixError::not_found(format!(
                "The room has no state {event_type} with key {state_key:?}"
            )));
        };
        let event = self.stored(event_id).await?.ok_or_else(event_not_found)?;
        self.serve_one(user, event).await
    }

    /// `GET /rooms/{roomId}/event/{eventId}`: 404 for events the caller may not see.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, event_id))]
    pub async fn room_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
    ) -> Result<ClientEvent, MatrixError> {
        valid_room_id(room_id)?;
        // Not an event id of any room version: no such event (as in Synapse).
        check_event_id(event_id).map_err(|_| event_not_found())?;
        let event = self
            .stored(event_id)
            .await?
            .filter(|event| event.room_id == room_id && event.rejection_reason.is_none())
            .ok_or_else(event_not_found)?;
        let group = self
            .database
            .event_state_group(event_id)
            .await
            .map_err(internal)?
            .ok_or_else(event_not_found)?;
        let membership = self
            .database
            .membership(room_id, &user.user_id)
            .await
            .map_err(internal)?;
        let joined_now = membership.is_some_and(|m| m.membership == "join");
        let state = self.database.load_state(group).await.map_err(internal)?;
        let visibility = self.state_content(&state, HISTORY_VISIBILITY, "").await?;
        let member = self.state_content(&state, MEMBER, &user.user_id).await?;
        // A user always sees their own membership events (Synapse: so a leave is not hidden
        // from the user who left).
        let own_membership =
            event.event_type == MEMBER && event.state_key.as_deref() == Some(&user.user_id);
        let visible = own_membership
            || can_see_event(
                text(&visibility, "history_visibility"),
                text(&member, "membership"),
                joined_now,
            );
        if !visible {
            return Err(event_not_found());
        }
        self.serve_one(user, event).await
    }

    /// `GET /rooms/{roomId}/joined_members`: the caller must be joined.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id))]
    pub async fn joined_members(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> Result<BTreeMap<String, RoomMember>, MatrixError> {
        valid_room_id(room_id)?;
        let joined = self
            .database
            .is_joined(room_id, &user.user_id)
            .await
            .map_err(internal)?;
        if !joined {
            return Err(MatrixError::forbidden("You aren't a member of the room"));
        }
        let members = self
            .database
            .members_with_membership(room_id, "join")
            .await
            .map_err(internal)?;
        let ids: Vec<&str> = members.iter().map(|m| m.event_id.as_str()).collect();
        let events = self.database.events_by_ids(&ids).await.map_err(internal)?;
        let mut joined = BTreeMap::new();
        for event in events {
            let content = event.content();
            let member = RoomMember {
                display_name: text(&content, "displayname").map(str::to_owned),
                avatar_url: text(&content, "avatar_url").map(str::to_owned),
            };
            if let Some(user_id) = event.state_key {
                joined.insert(user_id, member);
            }
        }
        Ok(joined)
    }

    /// The state `user` may read: the current state while joined (or in a `world_readable`
    /// room), the state after their leave event once they left (unless they forgot the room);
    /// else 403.
    async fn readable_state(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> Result<StateMap, MatrixError> {
        valid_room_id(room_id)?;
        let membership = self
            .database
            .membership(room_id, &user.user_id)
            .await
            .map_err(internal)?;
        let current = || async {
            let group = self
                .database
                .room_current_state_group(room_id)
                .await
                .map_err(internal)?;
            self.load(group).await
        };
        match membership {
            Some(m) if m.membership == "join" => current().await,
            Some(m) if m.membership == "leave" && !self.forgot(user, room_id).await? => {
                let group = self
                    .database
                    .event_state_group(&m.event_id)
                    .await
                    .map_err(internal)?;
                self.load(group).await
            }
            _ => {
                let state = current().await?;
                let visibility = self.state_content(&state, HISTORY_VISIBILITY, "").await?;
                if text(&visibility, "history_visibility") == Some("world_readable") {
                    Ok(state)
                } else {
                    Err(not_a_member())
                }
            }
        }
    }

    /// Whether `user` forgot the room (it then reads as a room they were never in).
    async fn forgot(&self, user: &ClientUser, room_id: &str) -> Result<bool, MatrixError> {
        self.database
            .is_room_forgotten(&user.user_id, room_id)
            .await
            .map_err(internal)
    }

    /// The state of `group`; a missing group (unknown room) reads as not a member.
    async fn load(&self, group: Option<StateGroupId>) -> Result<StateMap, MatrixError> {
        let group = group.ok_or_else(not_a_member)?;
        self.database.load_state(group).await.map_err(internal)
    }

    /// The content of the state event at `(event_type, state_key)` in `state` (`Null` if none).
    async fn state_content(
        &self,
        state: &StateMap,
        event_type: &str,
        state_key: &str,
    ) -> Result<Value, MatrixError> {
        let key = (event_type.to_owned(), state_key.to_owned());
        let Some(event_id) = state.get(&key) else {
            return Ok(Value::Null);
        };
        Ok(self
            .stored(event_id)
            .await?
            .map(|event| event.content())
            .unwrap_or(Value::Null))
    }

    async fn stored(&self, event_id: &str) -> Result<Option<StoredEvent>, MatrixError> {
        self.database.get_event(event_id).await.map_err(internal)
    }
}
