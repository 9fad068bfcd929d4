//! The timeline and state sections of every joined room of an initial `/sync`, built for all
//! rooms at once: one statement reads the newest events of every room with the state after
//! each, one the state sections' events, and one batch of serving reads covers every room's
//! events. Per room, only what the batch cannot answer is read on its own (visibility checks
//! before the user's join, a timeline whose first page the filters thinned out, a state group
//! not yet in memory).

use std::collections::HashMap;
use std::sync::Arc;

use client_api::MatrixError;

use super::room::{timeline_start, Context, TimelineAndState};
use super::timeline::{self, Slice, Visibility};
use crate::services::internal;
use crate::storage::{MembershipPosition, StateGroupId, StateMap, StoredEvent, StreamPosition};

/// One room on its way: its timeline, where its state section is taken, that state.
struct Pending {
    room_id: String,
    slice: Slice,
    start: StreamPosition,
    state: Arc<StateMap>,
}

/// The sections of `joined` (memberships of joined rooms), by room id.
pub(super) async fn joined_parts(
    context: &Context,
    joined: &[MembershipPosition],
) -> Result<HashMap<String, TimelineAndState>, MatrixError> {
    if joined.is_empty() {
        return Ok(HashMap::new());
    }
    let upto = context.now.events_position();
    let limit = context.filter.timeline_limit();
    let page = timeline::page_size(limit);
    let room_ids: Vec<&str> = joined.iter().map(|m| m.room_id.as_str()).collect();
    // One row more than a page: the event before the page's oldest, for the state before it.
    let mut heads = context
        .database
        .room_timeline_heads(&room_ids, upto, page + 1)
        .await
        .map_err(internal)?;
    let timeline_filter = context.filter.timeline();
    let mut pending = Vec::with_capacity(joined.len());
    for membership in joined {
        let rows = heads.remove(&membership.room_id).unwrap_or_default();
        // The positions and state groups of the rows stay here; their events (moved, not
        // copied) are the timeline's first page.
        let groups: Vec<(StreamPosition, Option<StateGroupId>)> = rows
            .iter()
            .map(|(event, group)| (event.stream_position, *group))
            .collect();
        let first_page: Vec<StoredEvent> = rows
            .into_iter()
            .take(page as usize)
            .map(|(event, _)| event)
            .collect();
        let mut visibility = Visibility::new(
            &context.database,
            &context.user.user_id,
            true,
            Some(membership.stream_position),
        );
        let slice = timeline::slice(
            &context.database,
            &membership.room_id,
            StreamPosition::default(),
            upto,
            limit,
            &timeline_filter,
            &mut visibility,
            Some(first_page),
        )
        .await?;
        let start = timeline_start(&slice.events, upto);
        let group = group_at(context, &membership.room_id, &groups, page + 1, start).await?;
        pending.push(Pending {
            room_id: membership.room_id.clone(),
            slice,
            start,
            state: context.state_of(group).await?,
        });
    }
    // The state sections' events of all rooms in one read.
    let wanted: Vec<&str> = pending
        .iter()
        .flat_map(|room| context.wanted_state(&room.slice.events, &room.state, true, None))
        .collect();
    let mut state_events: HashMap<String, Vec<StoredEvent>> = HashMap::new();
    let found = context
        .database
        .events_by_ids(&wanted)
        .await
        .map_err(internal)?;
    for event in context.allowed_state(found) {
        state_events
            .entry(event.room_id.clone())
            .or_default()
            .push(event);
    }
    // Every room's timeline and state events served in one batch, then split back.
    let mut all = Vec::new();
    let mut lengths = Vec::with_capacity(pending.len());
    for room in &mut pending {
        let state = state_events.remove(&room.room_id).unwrap_or_default();
        lengths.push((room.slice.events.len(), state.len()));
        all.append(&mut room.slice.events);
        all.extend(state);
    }
    let mut served = context.room_engine.serve(&context.user, &all).await?;
    let mut parts = HashMap::with_capacity(pending.len());
    let mut offset = 0;
    for (room, (timeline_len, state_len)) in pending.into_iter().zip(lengths).rev() {
        let total = timeline_len + state_len;
        let room_served = served.split_off(served.len() - total);
        let first = all.len() - offset - total;
        let timeline = &all[first..first + timeline_len];
        offset += total;
        let part = context.part(timeline, room.slice.limited, room.start, room_served);
        parts.insert(room.room_id, part);
    }
    Ok(parts)
}

/// The room's state group after its last event at or before `at`, from `rows` (the positions
/// and state groups of its newest events, newest first, at most `fetched` of them) when they
/// tell, else read.
async fn group_at(
    context: &Context,
    room_id: &str,
    rows: &[(StreamPosition, Option<StateGroupId>)],
    fetched: u32,
    at: StreamPosition,
) -> Result<Option<StateGroupId>, MatrixError> {
    match rows.iter().find(|(position, _)| *position <= at) {
        Some((_, Some(group))) => return Ok(Some(*group)),
        // Fewer rows than asked for: the room has no event at or before `at`.
        None if rows.len() < fetched as usize => return Ok(None),
        // An event without a state group row, or one older than the rows read: as the
        // per-room read does it.
        _ => {}
    }
    context
        .database
        .room_state_group_at(room_id, at)
        .await
        .map_err(internal)
}
