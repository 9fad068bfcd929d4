//! Spec module "Syncing": `GET /sync`, its request and response types.

pub mod sync_events;

use std::collections::BTreeMap;
use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::ClientUser;
use crate::client_event::ClientEvent;
use crate::MatrixError;

/// What the sync handler needs from the engine.
pub trait SyncPort: Send + Sync + 'static {
    /// Everything new for the caller since `request.since` (everything, without it), waiting
    /// up to `request.timeout` ms for something to arrive when there is nothing yet.
    fn sync(
        &self,
        user: &ClientUser,
        request: Request,
    ) -> impl Future<Output = Result<Response, MatrixError>> + Send;
}

/// The query parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Request {
    /// A filter id or an inline filter (JSON starting with `{`).
    #[serde(default)]
    pub filter: Option<String>,
    /// The `next_batch` of an earlier sync.
    #[serde(default)]
    pub since: Option<String>,
    /// Send the full state of every room in the response, not a delta.
    #[serde(default)]
    pub full_state: bool,
    /// `online`, `offline` or `unavailable`.
    #[serde(default)]
    pub set_presence: Option<String>,
    /// How long to wait for something new, in ms (0: answer at once).
    #[serde(default)]
    pub timeout: Option<u64>,
}

/// An event list: `{"events": […]}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Events<T> {
    /// The events.
    pub events: Vec<T>,
}

impl<T> Default for Events<T> {
    fn default() -> Self {
        Events { events: Vec::new() }
    }
}

/// An event with only a type and content (account data, ephemeral, presence, to-device).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BasicEvent {
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The content.
    pub content: Value,
}

/// An `m.presence` event: a basic event with its user as `sender`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PresenceEvent {
    /// `m.presence`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Whose presence it is.
    pub sender: String,
    /// `presence`, `last_active_ago`, `currently_active`, `status_msg`, `displayname`,
    /// `avatar_url`.
    pub content: Value,
}

/// A send-to-device message as `/sync` delivers it (spec § "Send-to-Device messaging").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToDeviceEvent {
    /// Who sent it.
    pub sender: String,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The content.
    pub content: Value,
}

/// A stripped state event (invite and knock state).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrippedStateEvent {
    /// The content.
    pub content: Value,
    /// The sender.
    pub sender: String,
    /// The state key.
    pub state_key: String,
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: String,
}

/// The `/sync` response body.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Response {
    /// The token to pass as `since` next time.
    pub next_batch: String,
    /// Rooms by the user's membership.
    pub rooms: Rooms,
    /// Global account data.
    pub account_data: Events<BasicEvent>,
    /// Presence updates.
    pub presence: Events<PresenceEvent>,
    /// Messages sent to this device.
    pub to_device: Events<ToDeviceEvent>,
    /// Users whose device lists changed.
    pub device_lists: DeviceLists,
    /// The syncing device's unclaimed one-time keys per algorithm.
    pub device_one_time_keys_count: BTreeMap<String, u64>,
    /// The algorithms of the syncing device's fallback keys not claimed yet.
    pub device_unused_fallback_key_types: Vec<String>,
    /// The filter's `event_fields`, applied to the room events when the response is encoded.
    #[serde(skip)]
    pub event_fields: Option<Vec<String>>,
}

impl Response {
    /// Whether there is nothing new in it (a long-poll keeps waiting).
    pub fn is_empty(&self) -> bool {
        self.rooms.join.is_empty()
            && self.rooms.invite.is_empty()
            && self.rooms.leave.is_empty()
            && self.rooms.knock.is_empty()
            && self.account_data.events.is_empty()
            && self.presence.events.is_empty()
            && self.to_device.events.is_empty()
            && self.device_lists.changed.is_empty()
            && self.device_lists.left.is_empty()
    }
}

/// Device list changes (spec § "End-to-end encryption").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeviceLists {
    /// Users whose devices changed.
    pub changed: Vec<String>,
    /// Users with whom the user no longer shares an encrypted room.
    pub left: Vec<String>,
}

/// The rooms of a sync response.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rooms {
    /// Rooms the user is joined to.
    pub join: BTreeMap<String, JoinedRoom>,
    /// Rooms the user is invited to.
    pub invite: BTreeMap<String, InvitedRoom>,
    /// Rooms the user left or was banned from.
    pub leave: BTreeMap<String, LeftRoom>,
    /// Rooms the user knocked on.
    pub knock: BTreeMap<String, KnockedRoom>,
}

/// A room's timeline slice.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timeline {
    /// The events, oldest first.
    pub events: Vec<ClientEvent>,
    /// Whether events between the `since` token and these were left out.
    pub limited: bool,
    /// A token to paginate backwards from the first event (`/messages?dir=b&from=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_batch: Option<String>,
}

/// A joined room's update.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct JoinedRoom {
    /// `m.heroes`, `m.joined_member_count`, `m.invited_member_count`.
    pub summary: Map<String, Value>,
    /// State between `since` and the start of the timeline.
    pub state: Events<ClientEvent>,
    /// New events.
    pub timeline: Timeline,
    /// Typing and receipts.
    pub ephemeral: Events<BasicEvent>,
    /// The room's account data.
    pub account_data: Events<BasicEvent>,
    /// Notification counts.
    pub unread_notifications: Map<String, Value>,
    /// Thread root → notification counts, when the filter asks for them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread_thread_notifications: Option<Map<String, Value>>,
}

/// An invited room's update.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InvitedRoom {
    /// Stripped state, including the invite.
    pub invite_state: Events<StrippedStateEvent>,
}

/// A knocked room's update.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KnockedRoom {
    /// Stripped state, including the knock.
    pub knock_state: Events<StrippedStateEvent>,
}

/// A left room's update.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LeftRoom {
    /// State between `since` and the start of the timeline.
    pub state: Events<ClientEvent>,
    /// Events up to the leave.
    pub timeline: Timeline,
    /// The room's account data.
    pub account_data: Events<BasicEvent>,
}
