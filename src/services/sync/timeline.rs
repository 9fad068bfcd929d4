//! A room's timeline slice for `/sync`: the newest events of a stream position range that the
//! filter lets through and history visibility lets the user see, read newest first in pages
//! from the `(room_id, stream_ordering)` index until the limit is reached.

use std::collections::HashMap;

use client_api::filtering::EventFilter;
use client_api::MatrixError;
use serde_json::Value;

use crate::services::internal;
use crate::services::rooms::visibility::can_see_event;
use crate::storage::{Database, StateGroupId, StoredEvent, StreamPosition};

const MEMBER: &str = "m.room.member";
const HISTORY_VISIBILITY: &str = "m.room.history_visibility";
/// The most events read per page.
const MAX_PAGE: u32 = 500;

/// Timeline events, oldest first.
#[derive(Debug, Default)]
pub(super) struct Slice {
    pub events: Vec<StoredEvent>,
    /// More events of the range passed the filters than the limit allowed.
    pub limited: bool,
}

/// Decides which events a user may see (client-server API § "History visibility"), caching
/// the answer per state group (messages share the state group before them).
pub(super) struct Visibility<'a> {
    database: &'a Database,
    user_id: &'a str,
    /// Whether the user is joined now (the `shared` rule).
    joined_now: bool,
    /// Events from this position on are visible without a check (after the user's current
    /// join, their membership at each is `join`).
    visible_from: Option<StreamPosition>,
    cache: HashMap<StateGroupId, bool>,
}

impl<'a> Visibility<'a> {
    pub fn new(
        database: &'a Database,
        user_id: &'a str,
        joined_now: bool,
        visible_from: Option<StreamPosition>,
    ) -> Self {
        Self {
            database,
            user_id,
            joined_now,
            visible_from,
            cache: HashMap::new(),
        }
    }

    /// Keeps the events the user may see.
    pub async fn retain(
        &mut self,
        events: Vec<StoredEvent>,
    ) -> Result<Vec<StoredEvent>, MatrixError> {
        let needs_check = |event: &StoredEvent| {
            let own_membership =
                event.event_type == MEMBER && event.state_key.as_deref() == Some(self.user_id);
            !own_membership
                && self
                    .visible_from
                    .is_none_or(|from| event.stream_position < from)
        };
        let to_check: Vec<&str> = events
            .iter()
            .filter(|e| needs_check(e))
            .map(|e| e.event_id.as_str())
            .collect();
        if to_check.is_empty() {
            return Ok(events);
        }
        let groups = self
            .database
            .event_state_groups(&to_check)
            .await
            .map_err(internal)?;
        for group in groups.values() {
            if !self.cache.contains_key(group) {
                let visible = self.visible_in(*group).await?;
                self.cache.insert(*group, visible);
            }
        }
        Ok(events
            .into_iter()
            .filter(|event| {
                !needs_check(event)
                    || groups
                        .get(&event.event_id)
                        .and_then(|group| self.cache.get(group))
                        .copied()
                        .unwrap_or(false)
            })
            .collect())
    }

    async fn visible_in(&self, group: StateGroupId) -> Result<bool, MatrixError> {
        let state = self.database.load_state(group).await.map_err(internal)?;
        let visibility_key = (HISTORY_VISIBILITY.to_owned(), String::new());
        let member_key = (MEMBER.to_owned(), self.user_id.to_owned());
        let ids: Vec<&str> = [state.get(&visibility_key), state.get(&member_key)]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let events = self.database.events_by_ids(&ids).await.map_err(internal)?;
        let field = |kind: &str, key: &str| {
            events.iter().find(|e| e.event_type == kind).and_then(|e| {
                e.content()
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
        };
        let visibility = field(HISTORY_VISIBILITY, "history_visibility");
        let membership = field(MEMBER, "membership");
        Ok(can_see_event(
            visibility.as_deref(),
            membership.as_deref(),
            self.joined_now,
        ))
    }
}

/// How many events [`slice`] reads per page for a timeline of `limit`.
pub(super) fn page_size(limit: u32) -> u32 {
    limit.saturating_add(1).clamp(2, MAX_PAGE)
}

/// The newest events of `(after, upto]` in the room passing `filter` and `visibility`, at
/// most `limit`. `first_page`, when given, is the first page already read: the newest
/// [`page_size`] events of the range, newest first.
#[allow(clippy::too_many_arguments)]
pub(super) async fn slice(
    database: &Database,
    room_id: &str,
    after: StreamPosition,
    upto: StreamPosition,
    limit: u32,
    filter: &EventFilter,
    visibility: &mut Visibility<'_>,
    mut first_page: Option<Vec<StoredEvent>>,
) -> Result<Slice, MatrixError> {
    let page = page_size(limit);
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut cursor = upto;
    let mut picked: Vec<StoredEvent> = Vec::new();
    loop {
        if cursor <= after {
            break;
        }
        let batch = match first_page.take() {
            Some(batch) => batch,
            None => database
                .room_events_between_desc(room_id, after, cursor, page)
                .await
                .map_err(internal)?,
        };
        let complete = batch.len() < usize::try_from(page).unwrap_or(usize::MAX);
        if let Some(oldest) = batch.last() {
            cursor = StreamPosition(oldest.stream_position.0 - 1);
        }
        let candidates: Vec<StoredEvent> = batch
            .into_iter()
            .filter(|event| {
                filter.allows(&event.event_type, Some(&event.sender))
                    && (filter.contains_url.is_none() || filter.allows_content(&event.content()))
            })
            .collect();
        picked.extend(visibility.retain(candidates).await?);
        if picked.len() > wanted || complete {
            break;
        }
    }
    let limited = picked.len() > wanted;
    picked.truncate(wanted);
    picked.reverse();
    Ok(Slice {
        events: picked,
        limited,
    })
}
