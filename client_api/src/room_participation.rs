//! Spec module "Room participation": sending message and state events, redacting, and reading
//! a room's state, one event, its timeline (`/messages`, `/context`) and its members.

pub mod event_filter;
pub mod get_event_context;
pub mod get_joined_members_by_room;
pub mod get_members_by_room;
pub mod get_one_room_event;
pub mod get_room_events;
pub mod get_room_state;
pub mod get_room_state_with_key;
pub mod redact_event;
pub mod send_message;
pub mod set_room_state_with_key;

use std::collections::BTreeMap;
use std::future::Future;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::client_event::ClientEvent;
use crate::MatrixError;
pub use event_filter::RoomEventFilter;

/// A joined member as `/joined_members` shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RoomMember {
    /// The member's display name in the room, if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The member's avatar in the room, if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

/// What the room participation handlers need from the engine.
pub trait RoomParticipationPort: Send + Sync + 'static {
    /// Sends a message event; a repeated transaction id (same device, room and type) answers
    /// the first request's event id without sending again.
    fn send_message(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        txn_id: &str,
        content: Map<String, Value>,
    ) -> impl Future<Output = Result<String, MatrixError>> + Send;

    /// Sends a state event and returns its id.
    fn set_room_state(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        state_key: &str,
        content: Map<String, Value>,
    ) -> impl Future<Output = Result<String, MatrixError>> + Send;

    /// The room's current state (or, for a user who left, the state when they left).
    fn room_state(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> impl Future<Output = Result<Vec<ClientEvent>, MatrixError>> + Send;

    /// One state event of the state [`Self::room_state`] reads, or 404 `M_NOT_FOUND`.
    fn room_state_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_type: &str,
        state_key: &str,
    ) -> impl Future<Output = Result<ClientEvent, MatrixError>> + Send;

    /// One event the caller may see, or 404 `M_NOT_FOUND`.
    fn room_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<ClientEvent, MatrixError>> + Send;

    /// The room's joined members; the caller must be one of them.
    fn joined_members(
        &self,
        user: &ClientUser,
        room_id: &str,
    ) -> impl Future<Output = Result<BTreeMap<String, RoomMember>, MatrixError>> + Send;

    /// Redacts an event; a repeated transaction id answers the first redaction's id.
    fn redact_event(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
        txn_id: &str,
        reason: Option<String>,
    ) -> impl Future<Output = Result<String, MatrixError>> + Send;

    /// A page of the room's timeline the caller may see (403 if they may not read the room).
    fn room_messages(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: get_room_events::Request,
    ) -> impl Future<Output = Result<get_room_events::Response, MatrixError>> + Send;

    /// An event with its surroundings (404 if the caller may not see it).
    fn event_context(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
        request: get_event_context::Request,
    ) -> impl Future<Output = Result<get_event_context::Response, MatrixError>> + Send;

    /// The room's member events, now or at `request.at`, filtered by membership.
    fn room_members(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: get_members_by_room::Request,
    ) -> impl Future<Output = Result<Vec<ClientEvent>, MatrixError>> + Send;
}
