//! Who may read a room over federation (spec server-server § "Retrieving events": the server
//! must be in the room or the history visible to it; Synapse's `assert_host_in_room` and
//! `filter_events_for_server`):
//!
//! - **room**: the room's server ACL (`m.room.server_acl` in the current state, matched by
//!   `acl::acl_allows`; read here in the same query as the history visibility) allows the
//!   requesting server (server-server § "Server Access Control Lists (ACLs)"; applied to every
//!   read here, `/event` included), and the server has a user joined to the room in its
//!   current state or the room's current history visibility is `world_readable` (an exemption
//!   Synapse does not make; it lets servers peek at public history, as clients may); otherwise
//!   403 `M_FORBIDDEN`; an unknown room is 404 `M_NOT_FOUND`;
//! - **events**: an event whose history visibility (in the state after it) is `joined` or
//!   `invited` is hidden unless one of the server's users was joined (or, for `invited`,
//!   invited) then ([`server_can_see_event`]). Hidden events are served redacted, by id as in
//!   backfill and missing events (Synapse's `filter_events_for_server` with its default
//!   `redact=True`): the requester learns the event's type, sender and place in the DAG, not
//!   its content, and its DAG stays connected. Outliers and events without known state count
//!   as visible.

use std::collections::{HashMap, HashSet};

use client_api::MatrixError;
use serde_json::Value;
use state_res::ids::check_room_id;

use super::super::acl::acl_allows;
use super::super::errors::unknown_room;
use super::super::history::text;
use super::super::visibility::server_can_see_event;
use super::super::Rooms;
use crate::services::internal;
use crate::storage::{StateGroupId, StoredEvent};

const HISTORY_VISIBILITY: &str = "m.room.history_visibility";
const SERVER_ACL: &str = "m.room.server_acl";
const MEMBER: &str = "m.room.member";

/// Member keys asked per state query (two bind parameters each, well below both backends'
/// limits).
const MEMBERS_PER_QUERY: usize = 400;

/// A server's standing in a room it may read.
#[derive(Debug)]
pub(in crate::services::rooms) struct ServerAccess {
    /// The requesting server's users with a current membership of the room (any kind): the
    /// only users who can have been members at an earlier event.
    users: Vec<String>,
}

impl Rooms {
    /// Whether `origin` may read the room (module docs): its access, or 403 / 404.
    pub(in crate::services::rooms) async fn server_access(
        &self,
        origin: &str,
        room_id: &str,
    ) -> Result<ServerAccess, MatrixError> {
        let db = &self.database;
        check_room_id(room_id).map_err(|_| unknown_room())?;
        db.get_room(room_id)
            .await
            .map_err(internal)?
            .ok_or_else(unknown_room)?;
        let group = db
            .room_current_state_group(room_id)
            .await
            .map_err(internal)?
            .ok_or_else(unknown_room)?;
        let keys = [(SERVER_ACL, ""), (HISTORY_VISIBILITY, "")];
        let state = db
            .load_state_key_events(group, &keys)
            .await
            .map_err(internal)?;
        let content = |event_type: &str| {
            let key = (event_type.to_owned(), String::new());
            state.get(&key).map(StoredEvent::content)
        };
        let denied =
            matches!(content(SERVER_ACL), Some(Value::Object(acl)) if !acl_allows(&acl, origin));
        if denied {
            return Err(MatrixError::forbidden(format!(
                "{origin} is denied by the room's server ACL"
            )));
        }
        let memberships = db
            .server_memberships(room_id, origin)
            .await
            .map_err(internal)?;
        let access = ServerAccess {
            users: memberships.iter().map(|m| m.user_id.clone()).collect(),
        };
        let visibility = content(HISTORY_VISIBILITY);
        let visibility = visibility
            .as_ref()
            .and_then(|content| text(content, "history_visibility"));
        if memberships.iter().any(|m| m.membership == "join")
            || visibility == Some("world_readable")
        {
            Ok(access)
        } else {
            Err(MatrixError::forbidden(format!(
                "{origin} is not in the room and its history is not world readable"
            )))
        }
    }

    /// The ids of `events` that history visibility hides from the server (module docs).
    pub(in crate::services::rooms) async fn hidden_from(
        &self,
        access: &ServerAccess,
        events: &[StoredEvent],
    ) -> Result<HashSet<String>, MatrixError> {
        let mut visible_in: HashMap<StateGroupId, bool> = HashMap::new();
        let mut hidden = HashSet::new();
        for event in events.iter().filter(|event| !event.outlier) {
            let group = self
                .database
                .event_state_group(&event.event_id)
                .await
                .map_err(internal)?;
            let Some(group) = group else {
                continue;
            };
            let visible = match visible_in.get(&group) {
                Some(visible) => *visible,
                None => {
                    let visible = self.visible_in_group(access, group).await?;
                    visible_in.insert(group, visible);
                    visible
                }
            };
            if !visible {
                hidden.insert(event.event_id.clone());
            }
        }
        Ok(hidden)
    }

    /// Whether events whose state after is `group` are visible to the server.
    async fn visible_in_group(
        &self,
        access: &ServerAccess,
        group: StateGroupId,
    ) -> Result<bool, MatrixError> {
        let db = &self.database;
        let visibility = self.history_visibility_in(group).await?;
        let visibility = visibility.as_deref();
        if server_can_see_event(visibility, []) {
            return Ok(true);
        }
        for users in access.users.chunks(MEMBERS_PER_QUERY) {
            let keys: Vec<(&str, &str)> = users.iter().map(|u| (MEMBER, u.as_str())).collect();
            let members = db
                .load_state_key_events(group, &keys)
                .await
                .map_err(internal)?;
            let contents: Vec<_> = members.values().map(StoredEvent::content).collect();
            let memberships = contents
                .iter()
                .filter_map(|content| text(content, "membership"));
            if server_can_see_event(visibility, memberships) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The `history_visibility` of the state of `group`, if set.
    async fn history_visibility_in(
        &self,
        group: StateGroupId,
    ) -> Result<Option<String>, MatrixError> {
        let key = [(HISTORY_VISIBILITY, "")];
        let events = self
            .database
            .load_state_key_events(group, &key)
            .await
            .map_err(internal)?;
        Ok(events
            .into_values()
            .next()
            .and_then(|event| text(&event.content(), "history_visibility").map(str::to_owned)))
    }
}
