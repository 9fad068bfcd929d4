//! Reading room history as one user may (client-server API § "History visibility"), shared by
//! `/messages`, `/context` and `/members`:
//!
//! - **access** (as Synapse's `check_user_in_room_or_world_readable`): joined users read the
//!   room; users who left (or were kicked) read it up to their leave event, unless they forgot
//!   the room; anyone reads a room whose current history visibility is `world_readable`;
//!   everyone else gets 403 `M_FORBIDDEN`;
//! - **visibility** of each event with [`can_see_event`], from the history visibility and the
//!   user's membership in the state after the event. Per page, each distinct state group is
//!   asked for just those two keys and their events in one query
//!   (`Database::load_state_key_events`, a chain walk joined to two entries); a history
//!   visibility change is judged by the less restrictive side of it (Synapse);
//! - **paging**: a scan of the timeline by `(room, stream position)` that keeps the visible
//!   events passing the filter, and the cursor to continue from.

use std::collections::{HashMap, HashSet};

use client_api::room_participation::RoomEventFilter;
use client_api::MatrixError;
use serde_json::Value;

use super::filter::{filters_events, matches};
use super::visibility::{at_visibility_change, can_see_event};
use super::Rooms;
use crate::services::internal;
use crate::storage::{Direction, StateGroupId, StreamPosition, TimelineEvent, TimelineRange};

#[cfg(test)]
mod tests;

const HISTORY_VISIBILITY: &str = "m.room.history_visibility";
const MEMBER: &str = "m.room.member";

/// How many scans of the timeline one page may take before it returns what it found (with a
/// token to continue): a filter or the history visibility may hide most events.
const MAX_SCANS: usize = 8;

/// What a user may read of a room's history.
#[derive(Clone, Debug)]
pub(super) struct HistoryAccess {
    /// Whether the user reads as a member, not a peeker: joined now, or left (as in Synapse,
    /// users who left still see `shared` history up to their leave).
    pub(super) member: bool,
    /// For a user who left: their leave event's position; nothing after it is visible.
    pub(super) until: Option<StreamPosition>,
    /// The state group after the leave event, for a user who left.
    pub(super) left_state: Option<StateGroupId>,
}

/// A page of the timeline.
#[derive(Debug)]
pub(super) struct Page {
    /// The visible events that passed the filter, in the page's direction.
    pub(super) events: Vec<TimelineEvent>,
    /// The point after the last event looked at (the next page starts there).
    pub(super) cursor: StreamPosition,
    /// Whether the timeline may go on past `cursor` (`false`: its edge was reached).
    pub(super) more: bool,
}

/// Where a page starts and stops.
#[derive(Clone, Copy, Debug)]
pub(super) struct PageRange {
    pub(super) from: StreamPosition,
    pub(super) to: Option<StreamPosition>,
    pub(super) direction: Direction,
    pub(super) limit: u32,
}

fn not_in_room() -> MatrixError {
    MatrixError::forbidden("You aren't a member of the room and weren't previously a member of it")
}

impl Rooms {
    /// What `user_id` may read of the room's history, or 403.
    pub(super) async fn history_access(
        &self,
        user_id: &str,
        room_id: &str,
    ) -> Result<HistoryAccess, MatrixError> {
        let db = &self.database;
        let membership = db.membership(room_id, user_id).await.map_err(internal)?;
        if let Some(m) = &membership {
            if m.membership == "join" {
                return Ok(HistoryAccess {
                    member: true,
                    until: None,
                    left_state: None,
                });
            }
        }
        if let Some(m) = membership.filter(|m| m.membership == "leave") {
            let forgotten = db
                .is_room_forgotten(user_id, room_id)
                .await
                .map_err(internal)?;
            let leave = db.get_event(&m.event_id).await.map_err(internal)?;
            if let (false, Some(leave)) = (forgotten, leave) {
                let group = db.event_state_group(&m.event_id).await.map_err(internal)?;
                return Ok(HistoryAccess {
                    member: true,
                    until: Some(leave.stream_position),
                    left_state: group,
                });
            }
        }
        if self.world_readable_now(room_id).await? {
            return Ok(HistoryAccess {
                member: false,
                until: None,
                left_state: None,
            });
        }
        Err(not_in_room())
    }

    /// Whether the room's current history visibility is `world_readable`.
    async fn world_readable_now(&self, room_id: &str) -> Result<bool, MatrixError> {
        let db = &self.database;
        let Some(group) = db
            .room_current_state_group(room_id)
            .await
            .map_err(internal)?
        else {
            return Ok(false);
        };
        let keys = [(HISTORY_VISIBILITY, "")];
        let state = db
            .load_state_key_events(group, &keys)
            .await
            .map_err(internal)?;
        Ok(state
            .values()
            .any(|event| text(&event.content(), "history_visibility") == Some("world_readable")))
    }

    /// Which of `events` `user_id` may see (one flag per event).
    pub(super) async fn visible(
        &self,
        user_id: &str,
        access: &HistoryAccess,
        events: &[&TimelineEvent],
    ) -> Result<Vec<bool>, MatrixError> {
        let db = &self.database;
        let keys = [(HISTORY_VISIBILITY, ""), (MEMBER, user_id)];
        // Per state group: (history visibility, the user's membership).
        let mut at_group: HashMap<StateGroupId, (Option<String>, Option<String>)> = HashMap::new();
        let groups: HashSet<StateGroupId> = events.iter().filter_map(|e| e.state_group).collect();
        for group in groups {
            let state = db
                .load_state_key_events(group, &keys)
                .await
                .map_err(internal)?;
            let field = |kind: &str, key: &str, field: &str| {
                let event = state.get(&(kind.to_owned(), key.to_owned()))?;
                text(&event.content(), field).map(str::to_owned)
            };
            let visibility = field(HISTORY_VISIBILITY, "", "history_visibility");
            let membership = field(MEMBER, user_id, "membership");
            at_group.insert(group, (visibility, membership));
        }
        // A history visibility change is judged by the less restrictive side of it.
        let changes: Vec<&str> = events
            .iter()
            .filter(|t| t.event.event_type == HISTORY_VISIBILITY)
            .filter(|t| t.event.state_key.as_deref() == Some(""))
            .map(|t| t.event.event_id.as_str())
            .collect();
        let replaced: HashMap<String, Option<String>> = db
            .replaced_states(&changes)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|link| {
                let old = text(&link.linked.content(), "history_visibility").map(str::to_owned);
                (link.event_id, old)
            })
            .collect();
        Ok(events
            .iter()
            .map(|timeline| {
                let event = &timeline.event;
                // A user always sees their own membership events.
                if event.event_type == MEMBER && event.state_key.as_deref() == Some(user_id) {
                    return true;
                }
                if access
                    .until
                    .is_some_and(|until| event.stream_position > until)
                {
                    return false;
                }
                let Some((visibility, member)) =
                    timeline.state_group.and_then(|g| at_group.get(&g))
                else {
                    return false;
                };
                let mut history = visibility.as_deref();
                if let Some(old) = replaced.get(&event.event_id) {
                    history = Some(at_visibility_change(history, old.as_deref()));
                }
                can_see_event(history, member.as_deref(), access.member)
            })
            .collect())
    }

    /// A page of the room's timeline as `user_id` sees it: up to `range.limit` visible events
    /// passing `filter`, scanning at most [`MAX_SCANS`] times.
    pub(super) async fn page(
        &self,
        user_id: &str,
        room_id: &str,
        access: &HistoryAccess,
        range: PageRange,
        filter: &RoomEventFilter,
    ) -> Result<Page, MatrixError> {
        let mut page = Page {
            events: Vec::new(),
            cursor: range.from,
            more: range.limit > 0,
        };
        // A user who left sees nothing after their leave event.
        let (from, to) = match (range.direction, access.until) {
            (_, None) => (range.from, range.to),
            (Direction::Backward, Some(until)) => (range.from.min(until), range.to),
            (Direction::Forward, Some(until)) => {
                (range.from, Some(range.to.map_or(until, |to| to.min(until))))
            }
        };
        if range.direction == Direction::Backward {
            page.cursor = from;
        }
        let limit = range.limit as usize;
        let scan = if filters_events(filter) {
            range.limit.clamp(50, 1000)
        } else {
            range.limit.max(1)
        };
        for _ in 0..MAX_SCANS {
            if !page.more {
                break;
            }
            let timeline_range = TimelineRange {
                from: page.cursor,
                to,
                direction: range.direction,
                limit: scan,
            };
            let batch = self
                .database
                .room_timeline(room_id, timeline_range)
                .await
                .map_err(internal)?;
            page.more = batch.len() == scan as usize;
            let candidates: Vec<&TimelineEvent> = batch
                .iter()
                .filter(|t| {
                    let event = &t.event;
                    !filters_events(filter)
                        || matches(filter, &event.event_type, &event.sender, &event.content())
                })
                .collect();
            let visible = self.visible(user_id, access, &candidates).await?;
            let shown: HashSet<StreamPosition> = candidates
                .iter()
                .zip(visible)
                .filter(|(_, visible)| *visible)
                .map(|(t, _)| t.event.stream_position)
                .collect();
            let mut full = false;
            let scanned = batch.len();
            for (index, timeline) in batch.into_iter().enumerate() {
                page.cursor = after(timeline.event.stream_position, range.direction);
                if shown.contains(&timeline.event.stream_position) {
                    page.events.push(timeline);
                }
                if page.events.len() >= limit {
                    full = true;
                    page.more = page.more || index + 1 < scanned;
                    break;
                }
            }
            if full {
                break;
            }
        }
        Ok(page)
    }
}

/// The point after looking at the event at `position` going in `direction`: just before it
/// backwards, just after it forwards.
fn after(position: StreamPosition, direction: Direction) -> StreamPosition {
    match direction {
        Direction::Backward => StreamPosition(position.0 - 1),
        Direction::Forward => position,
    }
}

pub(super) fn text<'a>(content: &'a Value, key: &str) -> Option<&'a str> {
    content.get(key).and_then(Value::as_str)
}
