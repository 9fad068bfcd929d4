//! `GET /rooms/{roomId}/context/{eventId}`: an event the caller may see, up to `limit / 2`
//! visible events before it and the rest after it (Synapse's split), the state after the last
//! event returned (only the senders' member events with `lazy_load_members`), and `start` /
//! `end` tokens that `/messages` continues from.

use std::collections::BTreeSet;

use client_api::room_participation::get_event_context::{Request, Response};
use client_api::{ClientEvent, ClientUser, MatrixError};
use state_res::ids::check_event_id;
use tracing::instrument;

use super::history::{HistoryAccess, PageRange};
use super::messages::MAX_LIMIT;
use super::tokens::token;
use super::{valid_room_id, Rooms};
use crate::services::internal;
use crate::storage::{Direction, StateGroupId, StreamPosition, TimelineEvent, TimelineRange};

const DEFAULT_LIMIT: u32 = 10;
const MEMBER: &str = "m.room.member";

fn event_not_found() -> MatrixError {
    MatrixError::not_found("Event not found")
}

impl Rooms {
    /// `GET /rooms/{roomId}/context/{eventId}`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id, event_id))]
    pub async fn event_context(
        &self,
        user: &ClientUser,
        room_id: &str,
        event_id: &str,
        request: Request,
    ) -> Result<Response, MatrixError> {
        valid_room_id(room_id)?;
        check_event_id(event_id).map_err(|_| event_not_found())?;
        let access = self.history_access(&user.user_id, room_id).await?;
        let target = self
            .visible_timeline_event(&user.user_id, room_id, event_id, &access)
            .await?;
        let position = target.event.stream_position;
        let limit = request.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
        let before_limit = limit / 2;
        let before = PageRange {
            from: StreamPosition(position.0 - 1),
            to: None,
            direction: Direction::Backward,
            limit: before_limit,
        };
        let after = PageRange {
            from: position,
            to: None,
            direction: Direction::Forward,
            limit: limit - before_limit,
        };
        let filter = &request.filter;
        let before = self
            .page(&user.user_id, room_id, &access, before, filter)
            .await?;
        let after = self
            .page(&user.user_id, room_id, &access, after, filter)
            .await?;
        let last = after.events.last().unwrap_or(&target);
        let state = match last.state_group {
            Some(group) => {
                let senders: BTreeSet<&str> = before
                    .events
                    .iter()
                    .chain(&after.events)
                    .chain([&target])
                    .map(|t| t.event.sender.as_str())
                    .collect();
                let only = filter.lazy_load_members.then_some(senders);
                self.state_events(user, group, only).await?
            }
            None => Vec::new(),
        };
        let before_events: Vec<_> = before.events.into_iter().map(|t| t.event).collect();
        let after_events: Vec<_> = after.events.into_iter().map(|t| t.event).collect();
        Ok(Response {
            event: self.serve_one(user, target.event).await?,
            events_before: self.serve(user, &before_events).await?,
            events_after: self.serve(user, &after_events).await?,
            start: token(before.cursor),
            end: token(after.cursor),
            state,
        })
    }

    /// The timeline event `event_id` of the room if `user_id` may see it, else 404.
    async fn visible_timeline_event(
        &self,
        user_id: &str,
        room_id: &str,
        event_id: &str,
        access: &HistoryAccess,
    ) -> Result<TimelineEvent, MatrixError> {
        let db = &self.database;
        let event = db
            .get_event(event_id)
            .await
            .map_err(internal)?
            .filter(|e| e.room_id == room_id && e.rejection_reason.is_none() && !e.outlier)
            .ok_or_else(event_not_found)?;
        let range = TimelineRange {
            from: event.stream_position,
            to: Some(StreamPosition(event.stream_position.0 - 1)),
            direction: Direction::Backward,
            limit: 1,
        };
        let target = db
            .room_timeline(room_id, range)
            .await
            .map_err(internal)?
            .pop()
            .ok_or_else(event_not_found)?;
        let visible = self.visible(user_id, access, &[&target]).await?;
        if visible.first() != Some(&true) {
            return Err(event_not_found());
        }
        Ok(target)
    }

    /// The state events of `group` (only the member events of `members`, if given).
    async fn state_events(
        &self,
        user: &ClientUser,
        group: StateGroupId,
        members: Option<BTreeSet<&str>>,
    ) -> Result<Vec<ClientEvent>, MatrixError> {
        let db = &self.database;
        let mut events = Vec::new();
        match members {
            Some(members) => {
                let keys: Vec<(&str, &str)> = members.into_iter().map(|m| (MEMBER, m)).collect();
                for chunk in keys.chunks(100) {
                    let state = db
                        .load_state_key_events(group, chunk)
                        .await
                        .map_err(internal)?;
                    events.extend(state.into_values());
                }
                events.sort_by_key(|event| event.stream_position);
            }
            None => {
                let state = db.load_state(group).await.map_err(internal)?;
                let ids: Vec<&str> = state.values().map(String::as_str).collect();
                events = db.events_by_ids(&ids).await.map_err(internal)?;
            }
        }
        self.serve(user, &events).await
    }
}
