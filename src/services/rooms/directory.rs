//! The published room directory: a room's visibility (`/directory/list/room/{roomId}`) and the
//! listing (`GET`/`POST /publicRooms`), ordered as Synapse orders it (most joined members
//! first, then by room id). Like Synapse, a published room is listed only while its join rule
//! lets people in (`public`, `knock`, `knock_restricted`) or its history is `world_readable`.
//!
//! Pagination tokens are offsets into the filtered, ordered list (`o<offset>`): simple, and
//! stable as long as the member counts do not change between pages.

use std::collections::HashMap;

use client_api::room_directory::{
    DirectoryVisibility, PublicRoomsChunk, PublicRoomsRequest, PublicRoomsResponse,
};
use client_api::{ClientUser, MatrixError};
use serde_json::Value;
use state_res::canonical_json::Object;
use tracing::instrument;

use super::errors::unknown_room;
use super::{valid_room_id, Rooms};
use crate::services::{internal, now_ms};

const LISTED_JOIN_RULES: [&str; 3] = ["public", "knock", "knock_restricted"];

/// The state a directory entry shows.
const ENTRY_STATE: [&str; 8] = [
    "m.room.create",
    "m.room.name",
    "m.room.topic",
    "m.room.canonical_alias",
    "m.room.avatar",
    "m.room.join_rules",
    "m.room.history_visibility",
    "m.room.guest_access",
];

impl Rooms {
    /// `GET /directory/list/room/{roomId}`: 404 for a room this server does not know.
    pub async fn room_visibility(&self, room_id: &str) -> Result<DirectoryVisibility, MatrixError> {
        self.known_room(room_id).await?;
        let published = self
            .database
            .is_room_published(room_id)
            .await
            .map_err(internal)?;
        Ok(if published {
            DirectoryVisibility::Public
        } else {
            DirectoryVisibility::Private
        })
    }

    /// `PUT /directory/list/room/{roomId}`: server admins and members who may send
    /// `m.room.canonical_alias` (Synapse's `check_can_change_room_list`).
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, ?visibility))]
    pub async fn set_room_visibility(
        &self,
        user: &ClientUser,
        room_id: &str,
        visibility: DirectoryVisibility,
    ) -> Result<(), MatrixError> {
        self.known_room(room_id).await?;
        if !self.can_change_room_list(user, room_id).await? {
            return Err(MatrixError::forbidden(
                "This user is not permitted to publish rooms to the room list",
            ));
        }
        self.publish(room_id, visibility == DirectoryVisibility::Public)
            .await
    }

    /// Publishes or withdraws a room.
    pub(super) async fn publish(&self, room_id: &str, published: bool) -> Result<(), MatrixError> {
        self.database
            .set_room_published(room_id, published, now_ms())
            .await
            .map_err(internal)
    }

    /// `GET`/`POST /publicRooms`. Only this server's directory can be listed (other servers'
    /// need federation: 400); a `third_party_instance_id` names an application service network,
    /// which holds no rooms here.
    pub async fn public_rooms(
        &self,
        request: PublicRoomsRequest,
    ) -> Result<PublicRoomsResponse, MatrixError> {
        if let Some(server) = &request.server {
            if *server != self.server_name {
                return Err(MatrixError::invalid_param(format!(
                    "Cannot list the room directory of {server}: federation is not supported yet"
                )));
            }
        }
        let offset = match request.since.as_deref() {
            None => 0,
            Some(token) => token
                .strip_prefix('o')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| MatrixError::invalid_param("Invalid since token"))?,
        };
        if request.third_party_instance_id.is_some() && !request.include_all_networks {
            return Ok(PublicRoomsResponse::default());
        }
        let mut listed = Vec::new();
        for (room_id, joined) in self.database.published_rooms().await.map_err(internal)? {
            let state = self.state_contents(&room_id, &ENTRY_STATE).await?;
            let entry = entry(room_id, joined, &state);
            let open = entry.world_readable
                || entry
                    .join_rule
                    .as_deref()
                    .is_some_and(|rule| LISTED_JOIN_RULES.contains(&rule));
            if open {
                listed.push(entry);
            }
        }
        let total = listed.len() as u64;
        let filter = &request.filter;
        let term = filter
            .generic_search_term
            .as_deref()
            .map(str::to_lowercase)
            .filter(|t| !t.is_empty());
        let matching: Vec<PublicRoomsChunk> = listed
            .into_iter()
            .filter(|entry| term.as_deref().is_none_or(|term| matches_term(entry, term)))
            .filter(|entry| {
                filter
                    .room_types
                    .as_ref()
                    .is_none_or(|types| types.contains(&entry.room_type))
            })
            .collect();
        // As Synapse, a `limit` of 0 means no limit.
        let limit = request
            .limit
            .filter(|l| *l > 0)
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(usize::MAX);
        let end = offset.saturating_add(limit).min(matching.len());
        let start = offset.min(end);
        let next_batch = (end < matching.len()).then(|| format!("o{end}"));
        let prev_batch = (start > 0).then(|| format!("o{}", start.saturating_sub(limit)));
        let chunk = matching.into_iter().skip(start).take(end - start).collect();
        Ok(PublicRoomsResponse {
            chunk,
            next_batch,
            prev_batch,
            total_room_count_estimate: total,
        })
    }

    /// The contents of the room's current state events of `types` (state key `""`).
    pub(super) async fn state_contents(
        &self,
        room_id: &str,
        types: &[&str],
    ) -> Result<HashMap<String, Object>, MatrixError> {
        let Some(group) = self
            .database
            .room_current_state_group(room_id)
            .await
            .map_err(internal)?
        else {
            return Ok(HashMap::new());
        };
        let state = self.database.load_state(group).await.map_err(internal)?;
        let ids: Vec<&str> = types
            .iter()
            .filter_map(|t| state.get(&((*t).to_owned(), String::new())))
            .map(String::as_str)
            .collect();
        let mut contents = HashMap::new();
        for event in self.database.events_by_ids(&ids).await.map_err(internal)? {
            let content = serde_json::from_str::<Object>(&event.json)
                .ok()
                .and_then(|mut json| match json.remove("content") {
                    Some(Value::Object(content)) => Some(content),
                    _ => None,
                })
                .unwrap_or_default();
            contents.insert(event.event_type, content);
        }
        Ok(contents)
    }

    /// Whether the room's history visibility is `world_readable`.
    pub(super) async fn world_readable(&self, room_id: &str) -> Result<bool, MatrixError> {
        let state = self
            .state_contents(room_id, &["m.room.history_visibility"])
            .await?;
        Ok(
            text(&state, "m.room.history_visibility", "history_visibility")
                == Some("world_readable"),
        )
    }

    /// 404 unless this server knows the room.
    async fn known_room(&self, room_id: &str) -> Result<(), MatrixError> {
        valid_room_id(room_id)?;
        match self.database.get_room(room_id).await.map_err(internal)? {
            Some(_) => Ok(()),
            None => Err(unknown_room()),
        }
    }
}

fn text<'a>(state: &'a HashMap<String, Object>, event_type: &str, key: &str) -> Option<&'a str> {
    state.get(event_type)?.get(key)?.as_str()
}

fn entry(room_id: String, joined: i64, state: &HashMap<String, Object>) -> PublicRoomsChunk {
    let owned = |event_type: &str, key: &str| text(state, event_type, key).map(str::to_owned);
    PublicRoomsChunk {
        room_id,
        name: owned("m.room.name", "name").filter(|n| !n.is_empty()),
        topic: owned("m.room.topic", "topic").filter(|t| !t.is_empty()),
        canonical_alias: owned("m.room.canonical_alias", "alias"),
        num_joined_members: joined,
        world_readable: text(state, "m.room.history_visibility", "history_visibility")
            == Some("world_readable"),
        guest_can_join: text(state, "m.room.guest_access", "guest_access") == Some("can_join"),
        avatar_url: owned("m.room.avatar", "url").filter(|u| !u.is_empty()),
        join_rule: owned("m.room.join_rules", "join_rule"),
        room_type: owned("m.room.create", "type"),
    }
}

/// Synapse's search: a case-insensitive substring of the name, topic or canonical alias.
fn matches_term(entry: &PublicRoomsChunk, term: &str) -> bool {
    [&entry.name, &entry.topic, &entry.canonical_alias]
        .into_iter()
        .flatten()
        .any(|text| text.to_lowercase().contains(term))
}
