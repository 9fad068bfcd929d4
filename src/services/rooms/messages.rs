//! `GET /rooms/{roomId}/messages`: a page of the timeline from a pagination token (see
//! `tokens`), as the caller may see it (see `history`), with the member events of its senders
//! when the filter asks for lazy loading.
//!
//! Backwards from `t<n>` returns events at or below `n`, newest first; forwards, events above
//! `n`, oldest first. `end` is the point after the last event looked at, so the next call
//! continues without gaps or duplicates; it is left out when the timeline's edge was reached.

use std::collections::BTreeSet;

use client_api::room_participation::get_room_events::{Dir, Request, Response};
use client_api::room_participation::RoomEventFilter;
use client_api::{ClientEvent, ClientUser, MatrixError};
use tracing::instrument;

use super::history::PageRange;
use super::tokens::{parse_token, token};
use super::{valid_room_id, Rooms};
use crate::services::internal;
use crate::storage::{Direction, StreamPosition, TimelineEvent};

/// Events per page unless the client asks for another number.
const DEFAULT_LIMIT: u32 = 10;
/// The most events one page returns (as Synapse).
pub(super) const MAX_LIMIT: u32 = 1000;

const MEMBER: &str = "m.room.member";

impl Rooms {
    /// `GET /rooms/{roomId}/messages`.
    #[instrument(skip_all, fields(user = %user.user_id, room = room_id))]
    pub async fn room_messages(
        &self,
        user: &ClientUser,
        room_id: &str,
        request: Request,
    ) -> Result<Response, MatrixError> {
        valid_room_id(room_id)?;
        let direction = match request.dir {
            Dir::Backward => Direction::Backward,
            Dir::Forward => Direction::Forward,
        };
        let from = async {
            match (&request.from, direction) {
                (Some(from), _) => parse_token(from),
                (None, Direction::Backward) => {
                    self.database.max_stream_position().await.map_err(internal)
                }
                // Backfilled history sits below 0 (`storage::backfill`).
                (None, Direction::Forward) => Ok(StreamPosition(i64::MIN)),
            }
        };
        // Two independent reads: who may read, and where the timeline ends.
        let (access, from) = tokio::try_join!(self.history_access(&user.user_id, room_id), from)?;
        let to = request.to.as_deref().map(parse_token).transpose()?;
        let limit = request
            .limit
            .or(request.filter.limit)
            .unwrap_or(DEFAULT_LIMIT)
            .min(MAX_LIMIT);
        let range = PageRange {
            from,
            to,
            direction,
            limit,
        };
        let page = self
            .page(&user.user_id, room_id, &access, range, &request.filter)
            .await?;
        let state = self
            .lazy_members(user, &request.filter, &page.events)
            .await?;
        let events: Vec<_> = page.events.into_iter().map(|t| t.event).collect();
        Ok(Response {
            chunk: self.serve(user, &events).await?,
            start: request.from.unwrap_or_else(|| token(from)),
            end: page.more.then(|| token(page.cursor)),
            state,
        })
    }

    /// With `lazy_load_members`: the member events of `events`' senders in the state after the
    /// first of them (Synapse sends the senders' members at the page's start).
    pub(super) async fn lazy_members(
        &self,
        user: &ClientUser,
        filter: &RoomEventFilter,
        events: &[TimelineEvent],
    ) -> Result<Vec<ClientEvent>, MatrixError> {
        let Some(group) = events.first().and_then(|first| first.state_group) else {
            return Ok(Vec::new());
        };
        if !filter.lazy_load_members {
            return Ok(Vec::new());
        }
        let senders: BTreeSet<&str> = events.iter().map(|t| t.event.sender.as_str()).collect();
        let keys: Vec<(&str, &str)> = senders.into_iter().map(|s| (MEMBER, s)).collect();
        let mut members = Vec::new();
        for chunk in keys.chunks(100) {
            let state = self
                .database
                .load_state_key_events(group, chunk)
                .await
                .map_err(internal)?;
            members.extend(state.into_values());
        }
        members.sort_by_key(|event| event.stream_position);
        self.serve(user, &members).await
    }
}
